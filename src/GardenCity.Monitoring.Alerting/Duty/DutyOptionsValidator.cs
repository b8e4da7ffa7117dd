using System.Text.RegularExpressions;
using GardenCity.Monitoring.Core.Alerts;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Alerting.Duty;

/// <summary>Source-generated validation of <see cref="DutyOptions"/> (annotations of channels, recipients and routes).</summary>
[OptionsValidator]
internal sealed partial class DutyOptionsValidator : IValidateOptions<DutyOptions>
{
}

/// <summary>
/// What annotations cannot say: each channel has what its kind needs, routes name channels and recipients that exist,
/// and every recipient of an SMS or email route can be reached that way. Each problem names its configuration key
/// (<c>GardenCity:Duty:Routes:0:Channels:1</c>), all of them at once. Checked only when <see cref="DutyOptions.Enabled"/>.
/// </summary>
internal sealed class DutyRoutingValidator : IValidateOptions<DutyOptions>
{
    private const string Root = DutyOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, DutyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        List<string> errors = []; // the messages' links: GardenCity:Dashboard:BaseUrl (DashboardOptionsValidator)

        var channels = new Dictionary<string, DutyChannelOptions>(StringComparer.Ordinal);
        for (int i = 0; i < options.Channels.Count; i++)
        {
            DutyChannelOptions c = options.Channels[i];
            string at = $"{Root}:Channels:{i}";
            if (!channels.TryAdd(c.Name, c))
            {
                errors.Add($"{at}:Name '{c.Name}' is used by another channel");
            }

            CheckChannel(c, at, errors);
        }

        var recipients = new Dictionary<string, DutyRecipientOptions>(StringComparer.Ordinal);
        for (int i = 0; i < options.Recipients.Count; i++)
        {
            if (!recipients.TryAdd(options.Recipients[i].Name, options.Recipients[i]))
            {
                errors.Add($"{Root}:Recipients:{i}:Name '{options.Recipients[i].Name}' is used by another recipient");
            }
        }

        for (int i = 0; i < options.Routes.Count; i++)
        {
            CheckRoute(options.Routes[i], $"{Root}:Routes:{i}", channels, recipients, errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckChannel(DutyChannelOptions c, string at, List<string> errors)
    {
        switch (c.Kind)
        {
            case DutyChannelKind.WeCom or DutyChannelKind.DingTalk:
                if (!Uri.TryCreate(c.Url, UriKind.Absolute, out Uri? url) || url.Scheme is not ("http" or "https"))
                {
                    errors.Add($"{at}:Url must be the robot's http(s) webhook URL (channel '{c.Name}', {c.Kind})");
                }

                if (c.Kind == DutyChannelKind.WeCom && c.Secret.Length > 0)
                {
                    errors.Add($"{at}:Secret is for DingTalk robots; a WeCom robot's key is part of its Url");
                }

                break;
            case DutyChannelKind.Sms:
                if (!Uri.TryCreate(DutyTemplate.Render(c.Sms.Url, _ => "0"), UriKind.Absolute, out Uri? sms) || sms.Scheme is not ("http" or "https"))
                {
                    errors.Add($"{at}:Sms:Url must be the gateway's http(s) URL (channel '{c.Name}')");
                }

                if (c.Sms.Method == "GET" && c.Sms.BodyTemplate.Length > 0 && !c.Sms.Url.Contains("{text}", StringComparison.Ordinal))
                {
                    errors.Add($"{at}:Sms:Url must carry {{text}} when Method is GET (a GET request has no body)");
                }

                if (!c.Sms.Url.Contains("{mobile}", StringComparison.Ordinal) && !c.Sms.BodyTemplate.Contains("{mobile}", StringComparison.Ordinal))
                {
                    errors.Add($"{at}:Sms: neither Url nor BodyTemplate has {{mobile}}: the gateway would not know whom to send to");
                }

                if (c.Sms.SuccessBodyPattern.Length > 0)
                {
                    try
                    {
                        _ = new Regex(c.Sms.SuccessBodyPattern, RegexOptions.None, TimeSpan.FromSeconds(1));
                    }
                    catch (ArgumentException ex)
                    {
                        errors.Add($"{at}:Sms:SuccessBodyPattern is not a regular expression: {ex.Message}");
                    }
                }

                break;
            case DutyChannelKind.Email:
                if (c.Smtp.Host.Length == 0)
                {
                    errors.Add($"{at}:Smtp:Host is required for an email channel (channel '{c.Name}')");
                }

                if (!c.Smtp.From.Contains('@', StringComparison.Ordinal))
                {
                    errors.Add($"{at}:Smtp:From must be the sender's address (channel '{c.Name}')");
                }

                if (c.Smtp.Username.Length > 0 && c.Smtp.Password.Length == 0)
                {
                    errors.Add($"{at}:Smtp:Password is required when Smtp:Username is set");
                }

                break;
        }
    }

    private static void CheckRoute(DutyRouteOptions r, string at, Dictionary<string, DutyChannelOptions> channels,
        Dictionary<string, DutyRecipientOptions> recipients, List<string> errors)
    {
        if (r.Audiences.Count == 0)
        {
            errors.Add($"{at}:Audiences must name at least one audience (emergency, ecology, maintenance)");
        }

        if (!SeverityNames.TryParse(r.MinSeverity, out _))
        {
            errors.Add($"{at}:MinSeverity '{r.MinSeverity}' is not info, blue, yellow, orange or red");
        }

        if (r.Channels.Count == 0)
        {
            errors.Add($"{at}:Channels must name at least one channel");
        }

        var known = new List<DutyRecipientOptions>();
        for (int j = 0; j < r.Recipients.Count; j++)
        {
            if (recipients.TryGetValue(r.Recipients[j], out DutyRecipientOptions? recipient))
            {
                known.Add(recipient);
            }
            else
            {
                errors.Add($"{at}:Recipients:{j} '{r.Recipients[j]}' is not a recipient; recipients are listed under {Root}:Recipients");
            }
        }

        for (int j = 0; j < r.Channels.Count; j++)
        {
            if (!channels.TryGetValue(r.Channels[j], out DutyChannelOptions? channel))
            {
                errors.Add($"{at}:Channels:{j} '{r.Channels[j]}' is not a channel; channels are listed under {Root}:Channels");
                continue;
            }

            if (channel.Kind is DutyChannelKind.Sms or DutyChannelKind.Email && r.Recipients.Count == 0)
            {
                errors.Add($"{at}:Recipients must name at least one recipient: channel '{channel.Name}' ({channel.Kind}) sends to people, not to a group");
            }

            foreach (DutyRecipientOptions p in known)
            {
                if (channel.Kind == DutyChannelKind.Sms && p.Mobile.Length == 0)
                {
                    errors.Add($"{at}:Channels:{j} '{channel.Name}' sends SMS but recipient '{p.Name}' has no Mobile");
                }
                else if (channel.Kind == DutyChannelKind.Email && p.Email.Length == 0)
                {
                    errors.Add($"{at}:Channels:{j} '{channel.Name}' sends email but recipient '{p.Name}' has no Email");
                }
            }
        }
    }
}
