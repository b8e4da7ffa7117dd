using GardenCity.Monitoring.Alerting.Duty.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;

namespace GardenCity.Monitoring.Alerting.Duty;

/// <summary>Registers the duty-room channels (called by <c>AddAlerting</c>).</summary>
public static class DutyServiceCollectionExtensions
{
    /// <summary>Name of the HTTP client of the robot and SMS channels (no client timeout: the pipeline times each attempt).</summary>
    public const string HttpClientName = "gardencity-duty";

    /// <summary>Adds <see cref="DutyOptions"/> (validated at start), the delivery log and one named pipeline per configured channel.</summary>
    public static IServiceCollection AddDutyChannels(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptionsWithValidateOnStart<DutyOptions, DutyOptionsValidator>().BindConfiguration(DutyOptions.SectionName);
        services.AddDashboardOptions(); // the messages' links
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DutyOptions>, DutyRoutingValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DutyOptions>, Escalation.EscalationFileValidator>());
        services.TryAddSingleton<Escalation.EscalationService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DutyOptions>, Inhibition.DutyInhibitionValidator>());
        services.AddHttpClient(HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.TryAddSingleton(sp => new DutyDeliveryLog(sp.GetRequiredService<IOptions<AlertingOptions>>().Value.StateDirectory));
        services.AddResiliencePipelines<string>(context =>
        {
            DutyOptions duty = context.ServiceProvider.GetRequiredService<IOptions<DutyOptions>>().Value;
            foreach (DutyChannelOptions channel in duty.Channels)
            {
                context.AddResiliencePipeline(DutyResilience.PipelineName(channel.Name), (builder, c) =>
                {
                    builder.TimeProvider = c.ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System;
                    DutyResilience.Configure(builder, channel);
                });
            }
        });
        return services;
    }

    /// <summary>Builds the channels of validated options.</summary>
    public static IReadOnlyList<IDutyChannel> BuildChannels(DutyOptions options, IHttpClientFactory http, DutyMessages messages, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(http);
        return options.Channels.Select(c =>
        {
            DutyLanguage language = c.Language ?? options.Language;
            return c.Kind switch
            {
                DutyChannelKind.WeCom => (IDutyChannel)new WeComChannel(c, http.CreateClient(HttpClientName), messages, language, time),
                DutyChannelKind.DingTalk => new DingTalkChannel(c, http.CreateClient(HttpClientName), messages, language, time),
                DutyChannelKind.Sms => new SmsGatewayChannel(c, http.CreateClient(HttpClientName), messages, language, time),
                _ => new EmailChannel(c, messages, language),
            };
        }).ToList();
    }
}
