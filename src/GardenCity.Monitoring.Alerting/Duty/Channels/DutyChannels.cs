using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GardenCity.Monitoring.Alerting.Duty.Exceptions;
using GardenCity.Monitoring.Core.Alerts;

namespace GardenCity.Monitoring.Alerting.Duty.Channels;

/// <summary>
/// One delivery: a notification to a channel, for one person (SMS, email) or for the group (robots, with the people to
/// @-mention).
/// </summary>
/// <param name="Channel">Channel name.</param>
/// <param name="Recipient">Recipient name, or <see cref="DutyDelivery.Group"/> for a robot's group message.</param>
/// <param name="Notification">The alert change.</param>
/// <param name="Person">The person (SMS, email).</param>
/// <param name="Mentions">People to @-mention (robots).</param>
/// <param name="Tier">The escalation tier: 1 for the routes, 2, 3, … for the tiers of an escalation policy (docs/duty-room.md, "Escalation").</param>
public sealed record DutyDelivery(string Channel, string Recipient, AlertNotification Notification, DutyRecipientOptions? Person, IReadOnlyList<DutyRecipientOptions> Mentions, int Tier = 1)
{
    /// <summary>The recipient key of a robot's group message.</summary>
    public const string Group = "@group";

    /// <summary>
    /// A grouped message (docs/duty-room.md, "Grouping"): the notifications it lists, worst first; empty for a message
    /// about <see cref="Notification"/> alone. <see cref="Notification"/> is then the worst of them.
    /// </summary>
    public IReadOnlyList<AlertNotification> Grouped { get; init; } = [];

    /// <summary>The notifications this delivery carries: <see cref="Grouped"/>, or <see cref="Notification"/> alone.</summary>
    public IReadOnlyList<AlertNotification> Members => Grouped.Count > 0 ? Grouped : [Notification];
}

/// <summary>A duty-room channel: sends one delivery per call and throws <see cref="DutyDeliveryException"/> when it is not accepted.</summary>
public interface IDutyChannel
{
    /// <summary>Its configuration.</summary>
    DutyChannelOptions Options { get; }

    /// <summary>Whether it sends one message per change to a group (robots) rather than one per person.</summary>
    bool ToGroup { get; }

    /// <summary>Sends; returns when accepted.</summary>
    Task SendAsync(DutyDelivery delivery, CancellationToken cancellationToken);
}

/// <summary>What the HTTP channels share: JSON without needless escapes, response checks, Retry-After.</summary>
internal static class DutyHttp
{
    public static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static HttpContent JsonContent(JsonNode body)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.ToJsonString(Json)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    /// <summary>Sends and reads the body; throws for what is not a success status (transient or not, with Retry-After).</summary>
    public static async Task<string> SendAsync(HttpClient client, HttpRequestMessage request, TimeProvider time, Func<int, bool> success, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new DutyDeliveryException($"no answer: {ex.Message}", transient: true, null, ex);
        }

        using (response)
        {
            string body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            if (success(status))
            {
                return body;
            }

            bool transient = status is 408 or 425 or 429 or >= 500;
            throw new DutyDeliveryException($"HTTP {status}: {Short(body)}", transient, RetryAfterHeader.Of(response, time));
        }
    }

    /// <summary>A robot's answer: HTTP 200 with <c>{"errcode":0,"errmsg":"ok"}</c>; other codes are refusals, some transient.</summary>
    public static void CheckErrcode(string body, string robot, IReadOnlySet<int> transientCodes)
    {
        int errcode;
        string errmsg;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(body);
            errcode = doc.RootElement.GetProperty("errcode").GetInt32();
            errmsg = doc.RootElement.TryGetProperty("errmsg", out JsonElement m) ? m.GetString() ?? string.Empty : string.Empty;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new DutyDeliveryException($"{robot} answered without an errcode: {Short(body)}", transient: true, null, ex);
        }

        if (errcode != 0)
        {
            throw new DutyDeliveryException($"{robot} errcode {errcode.ToString(CultureInfo.InvariantCulture)}: {errmsg}", transientCodes.Contains(errcode));
        }
    }

    public static string Short(string text) => text.Length <= 200 ? text : string.Concat(text.AsSpan(0, 200), "…");
}

/// <summary>
/// WeCom (企业微信) group robot: POST JSON to the robot's webhook. <c>markdown</c> messages mention people by
/// <c>&lt;@userid&gt;</c> in the content; <c>text</c> messages by <c>mentioned_mobile_list</c> (WeCom's markdown has no
/// mobile mentions). Answer <c>{"errcode":0}</c>; 45009 (rate limit, 20 messages a minute per robot) and -1 (busy) are
/// retried. Format: WeCom 群机器人配置说明, developer.work.weixin.qq.com/document/path/99398 (docs/duty-room.md).
/// </summary>
public sealed class WeComChannel(DutyChannelOptions options, HttpClient client, DutyMessages messages, DutyLanguage language, TimeProvider time) : IDutyChannel
{
    private static readonly HashSet<int> TransientCodes = [-1, 45009];

    /// <inheritdoc/>
    public DutyChannelOptions Options => options;

    /// <inheritdoc/>
    public bool ToGroup => true;

    /// <summary>The request body.</summary>
    public JsonObject Body(DutyDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        DutyMessage m = messages.Build(delivery, language);
        if (options.WeComMessageType == "text")
        {
            var mobiles = new JsonArray(delivery.Mentions.Where(p => p.Mobile.Length > 0).Select(p => (JsonNode)JsonValue.Create(p.Mobile)).ToArray());
            var text = new JsonObject { ["content"] = m.Text };
            if (mobiles.Count > 0)
            {
                text["mentioned_mobile_list"] = mobiles;
            }

            return new JsonObject { ["msgtype"] = "text", ["text"] = text };
        }

        string mentions = string.Concat(delivery.Mentions.Where(p => p.WeComUserId.Length > 0).Select(p => $"<@{p.WeComUserId}>"));
        string content = mentions.Length > 0 ? m.Markdown + "\n" + mentions : m.Markdown;
        return new JsonObject { ["msgtype"] = "markdown", ["markdown"] = new JsonObject { ["content"] = content } };
    }

    /// <inheritdoc/>
    public async Task SendAsync(DutyDelivery delivery, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Url) { Content = DutyHttp.JsonContent(Body(delivery)) };
        string body = await DutyHttp.SendAsync(client, request, time, s => s is >= 200 and < 300, cancellationToken).ConfigureAwait(false);
        DutyHttp.CheckErrcode(body, "WeCom", TransientCodes);
    }
}

/// <summary>
/// DingTalk (钉钉) group robot: POST JSON to the robot's webhook, signed when a secret is set (加签: <c>timestamp</c> in
/// milliseconds and <c>sign</c> = URL-encoded Base64 of HMAC-SHA256 over <c>"{timestamp}\n{secret}"</c> keyed with the
/// secret, both as query parameters). Markdown messages; people are @-mentioned by <c>at.atMobiles</c> and an
/// <c>@mobile</c> in the text. Answer <c>{"errcode":0}</c>; 130101 (sending too fast) and -1 are retried.
/// Format: open.dingtalk.com/document/robots/custom-robot-access (docs/duty-room.md).
/// </summary>
public sealed class DingTalkChannel(DutyChannelOptions options, HttpClient client, DutyMessages messages, DutyLanguage language, TimeProvider time) : IDutyChannel
{
    private static readonly HashSet<int> TransientCodes = [-1, 130101];

    /// <inheritdoc/>
    public DutyChannelOptions Options => options;

    /// <inheritdoc/>
    public bool ToGroup => true;

    /// <summary>The <c>sign</c> parameter before URL encoding: Base64(HMAC-SHA256(secret, timestamp + "\n" + secret)).</summary>
    public static string Sign(long timestampMs, string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        byte[] key = Encoding.UTF8.GetBytes(secret);
        byte[] data = Encoding.UTF8.GetBytes(timestampMs.ToString(CultureInfo.InvariantCulture) + "\n" + secret);
        return Convert.ToBase64String(HMACSHA256.HashData(key, data));
    }

    /// <summary>The URL of one request: the webhook, and when signed <c>&amp;timestamp=…&amp;sign=…</c>.</summary>
    public string RequestUrl(long timestampMs)
    {
        if (options.Secret.Length == 0)
        {
            return options.Url;
        }

        char separator = options.Url.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        return $"{options.Url}{separator}timestamp={timestampMs.ToString(CultureInfo.InvariantCulture)}&sign={Uri.EscapeDataString(Sign(timestampMs, options.Secret))}";
    }

    /// <summary>The request body.</summary>
    public JsonObject Body(DutyDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        DutyMessage m = messages.Build(delivery, language);
        string[] mobiles = delivery.Mentions.Where(p => p.Mobile.Length > 0).Select(p => p.Mobile).ToArray();
        string text = mobiles.Length > 0 ? m.Markdown + "\n\n" + string.Join(' ', mobiles.Select(x => "@" + x)) : m.Markdown;
        return new JsonObject
        {
            ["msgtype"] = "markdown",
            ["markdown"] = new JsonObject { ["title"] = m.Title, ["text"] = text },
            ["at"] = new JsonObject
            {
                ["atMobiles"] = new JsonArray(mobiles.Select(x => (JsonNode)JsonValue.Create(x)).ToArray()),
                ["isAtAll"] = false,
            },
        };
    }

    /// <inheritdoc/>
    public async Task SendAsync(DutyDelivery delivery, CancellationToken cancellationToken)
    {
        string url = RequestUrl(time.GetUtcNow().ToUnixTimeMilliseconds()); // signed per attempt: DingTalk refuses a timestamp over an hour old
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = DutyHttp.JsonContent(Body(delivery)) };
        string body = await DutyHttp.SendAsync(client, request, time, s => s is >= 200 and < 300, cancellationToken).ConfigureAwait(false);
        DutyHttp.CheckErrcode(body, "DingTalk", TransientCodes);
    }
}

/// <summary>
/// An SMS gateway over HTTP whose request is configuration (<see cref="SmsGatewayOptions"/>): method, URL, headers and
/// body templates with placeholders, and what counts as accepted (status ranges, optionally a body pattern). 408, 429
/// and 5xx are retried (Retry-After honoured).
/// </summary>
public sealed class SmsGatewayChannel : IDutyChannel
{
    private readonly DutyChannelOptions _options;
    private readonly HttpClient _client;
    private readonly DutyMessages _messages;
    private readonly DutyLanguage _language;
    private readonly TimeProvider _time;
    private readonly List<(int From, int To)> _success;
    private readonly Regex? _bodyPattern;

    /// <summary>Creates the channel.</summary>
    public SmsGatewayChannel(DutyChannelOptions options, HttpClient client, DutyMessages messages, DutyLanguage language, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        (_options, _client, _messages, _language, _time) = (options, client, messages, language, time);
        _success = options.Sms.SuccessStatus.Split(',').Select(r => r.Split('-')).Select(r => (int.Parse(r[0], CultureInfo.InvariantCulture), int.Parse(r[^1], CultureInfo.InvariantCulture))).ToList();
        _bodyPattern = options.Sms.SuccessBodyPattern.Length > 0 ? new Regex(options.Sms.SuccessBodyPattern, RegexOptions.None, TimeSpan.FromSeconds(1)) : null;
    }

    /// <inheritdoc/>
    public DutyChannelOptions Options => _options;

    /// <inheritdoc/>
    public bool ToGroup => false;

    /// <summary>The request for one delivery.</summary>
    public HttpRequestMessage Request(DutyDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        SmsGatewayOptions sms = _options.Sms;
        DateTimeOffset now = _time.GetUtcNow();
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["mobile"] = delivery.Person?.Mobile ?? string.Empty,
            ["text"] = _messages.Sms(delivery, _language, sms),
            ["recipient"] = delivery.Recipient,
            ["notification_id"] = delivery.Notification.NotificationId,
            ["alert_id"] = delivery.Notification.AlertId,
            ["timestamp"] = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["timestamp_ms"] = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        };
        Func<string, string> bodyEncode = sms.ContentType.Contains("json", StringComparison.OrdinalIgnoreCase)
            ? v => JsonEncodedText.Encode(v, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString()
            : sms.ContentType.Contains("x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) ? Uri.EscapeDataString : v => v;
        var request = new HttpRequestMessage(new HttpMethod(sms.Method), DutyTemplate.Render(sms.Url, k => values.TryGetValue(k, out string? v) ? Uri.EscapeDataString(v) : null));
        if (sms.BodyTemplate.Length > 0 && sms.Method != "GET")
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(DutyTemplate.Render(sms.BodyTemplate, k => values.TryGetValue(k, out string? v) ? bodyEncode(v) : null)));
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(sms.ContentType.Contains("charset", StringComparison.OrdinalIgnoreCase) ? sms.ContentType : sms.ContentType + "; charset=utf-8");
        }

        foreach ((string name, string value) in sms.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, DutyTemplate.Render(value, k => values.GetValueOrDefault(k)));
        }

        return request;
    }

    /// <inheritdoc/>
    public async Task SendAsync(DutyDelivery delivery, CancellationToken cancellationToken)
    {
        using HttpRequestMessage request = Request(delivery);
        string body = await DutyHttp.SendAsync(_client, request, _time, s => _success.Exists(r => s >= r.From && s <= r.To), cancellationToken).ConfigureAwait(false);
        if (_bodyPattern is not null && !_bodyPattern.IsMatch(body))
        {
            throw new DutyDeliveryException($"gateway refused: {DutyHttp.Short(body)}", transient: false);
        }
    }
}
