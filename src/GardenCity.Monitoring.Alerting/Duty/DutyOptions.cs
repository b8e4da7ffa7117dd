using System.ComponentModel.DataAnnotations;
using GardenCity.Monitoring.Core.Alerts;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Alerting.Duty;

/// <summary>The kinds of duty-room channel.</summary>
public enum DutyChannelKind
{
    /// <summary>WeCom (企业微信) group robot: one markdown message per alert change to a group.</summary>
    WeCom,

    /// <summary>DingTalk (钉钉) group robot: one signed markdown message per alert change to a group, @-mentioning mobiles.</summary>
    DingTalk,

    /// <summary>An SMS gateway over HTTP, one request per recipient; the request shape is configuration.</summary>
    Sms,

    /// <summary>Email over SMTP (MailKit), one message per recipient.</summary>
    Email,
}

/// <summary>The language of duty-room messages.</summary>
public enum DutyLanguage
{
    /// <summary>Chinese (the default).</summary>
    Zh,

    /// <summary>English.</summary>
    En,
}

/// <summary>How the email channel secures its SMTP connection (MailKit's <c>SecureSocketOptions</c>).</summary>
public enum SmtpSecurity
{
    /// <summary>Plain SMTP (a relay on the local network or loopback).</summary>
    None,

    /// <summary>STARTTLS, required.</summary>
    StartTls,

    /// <summary>STARTTLS when the server offers it.</summary>
    StartTlsWhenAvailable,

    /// <summary>TLS from the first byte (port 465).</summary>
    SslOnConnect,
}

/// <summary>
/// Duty-room channels (<c>GardenCity:Duty</c>): where alert changes go beyond MQTT, webhooks and CAP — WeCom and
/// DingTalk group robots, an SMS gateway and email — to whom, and for which audiences and severities
/// (docs/duty-room.md). Off by default.
/// </summary>
public sealed class DutyOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "GardenCity:Duty";

    /// <summary>Whether the duty-room channels run. <value>The default value is false.</value></summary>
    public bool Enabled { get; set; }

    /// <summary>Language of messages (a channel may override it). <value>The default value is Zh.</value></summary>
    public DutyLanguage Language { get; set; } = DutyLanguage.Zh;

    /// <summary>Deprecated: <c>GardenCity:Dashboard:BaseUrl</c> (<see cref="DashboardOptions"/>), which it stands for while that is not set.</summary>
    [Obsolete("Use GardenCity:Dashboard:BaseUrl, the one base of every link to an alert; this key is read only while that is not set.")]
    public string? DashboardBaseUrl { get; set; }

    /// <summary>Names of watersheds as people say them, by registry id (e.g. <c>qingshui: 清水河</c>); an id without one is shown as it is.</summary>
    public Dictionary<string, string> WatershedNamesZh { get; } = [];

    /// <summary>English names of watersheds, by registry id.</summary>
    public Dictionary<string, string> WatershedNamesEn { get; } = [];

    /// <summary>The channels.</summary>
    [ValidateEnumeratedItems]
    public List<DutyChannelOptions> Channels { get; } = [];

    /// <summary>The people addressed by routes (and, later, by escalation tiers).</summary>
    [ValidateEnumeratedItems]
    public List<DutyRecipientOptions> Recipients { get; } = [];

    /// <summary>
    /// The escalation file (YAML: on-call rotas and escalation policies, docs/duty-room.md, "Escalation"), e.g.
    /// <c>deploy/escalation.yaml</c>; validated at start, watched and reloaded. Empty: no escalation (the routes only).
    /// <value>The default value is empty.</value>
    /// </summary>
    public string EscalationFile { get; set; } = string.Empty;

    /// <summary>Which alert changes go to which channels and recipients (tier 1 of every escalation); a change may match several routes.</summary>
    [ValidateEnumeratedItems]
    public List<DutyRouteOptions> Routes { get; } = [];

    /// <summary>Which alerts hold back the notifications of others (docs/duty-room.md, "Inhibition").</summary>
    [ValidateObjectMembers]
    public Inhibition.DutyInhibitionOptions Inhibition { get; } = new();

    /// <summary>Several alerts of one watershed or site in one message (docs/duty-room.md, "Grouping").</summary>
    [ValidateObjectMembers]
    public Grouping.DutyGroupingOptions Grouping { get; } = new();
}

/// <summary>One channel: a group robot, an SMS gateway or an SMTP server, with its own queue and Polly pipeline.</summary>
public sealed class DutyChannelOptions
{
    /// <summary>Name used by routes, logs, metrics and the outbox. <value>The default value is empty (required).</value></summary>
    [Required]
    [RegularExpression("^[a-z0-9][a-z0-9-]{0,39}$", ErrorMessage = "{0}: a channel name is 1-40 lower-case letters, digits and '-'")]
    public string Name { get; set; } = string.Empty;

    /// <summary>WeCom, DingTalk, Sms or Email. <value>The default value is WeCom.</value></summary>
    public DutyChannelKind Kind { get; set; } = DutyChannelKind.WeCom;

    /// <summary>Language of this channel's messages; empty: <see cref="DutyOptions.Language"/>.</summary>
    public DutyLanguage? Language { get; set; }

    /// <summary>
    /// WeCom: the robot's webhook (<c>https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…</c>); DingTalk: the robot's
    /// webhook (<c>https://oapi.dingtalk.com/robot/send?access_token=…</c>). A secret: never logged.
    /// <value>The default value is empty.</value>
    /// </summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>DingTalk: the robot's 加签 secret (<c>SEC…</c>); empty: requests are not signed. Never logged. <value>The default value is empty.</value></summary>
    public string Secret { get; set; } = string.Empty;

    /// <summary>
    /// WeCom: <c>markdown</c> (mentions by <c>&lt;@userid&gt;</c>: recipients need a WeComUserId) or <c>text</c>
    /// (mentions by mobile through <c>mentioned_mobile_list</c>; WeCom's markdown has no mobile mentions).
    /// <value>The default value is markdown.</value>
    /// </summary>
    [RegularExpression("^(markdown|text)$", ErrorMessage = "{0}: WeComMessageType is markdown or text")]
    public string WeComMessageType { get; set; } = "markdown";

    /// <summary>SMS gateway request shape (Kind Sms).</summary>
    [ValidateObjectMembers]
    public SmsGatewayOptions Sms { get; } = new();

    /// <summary>SMTP server (Kind Email).</summary>
    [ValidateObjectMembers]
    public SmtpChannelOptions Smtp { get; } = new();

    /// <summary>Time allowed for one attempt. <value>The default value is 10 seconds.</value></summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of one delivery round (Retry-After honoured, else exponential back-off with jitter). <value>The default value is 3.</value></summary>
    [Range(0, 20)]
    public int Retries { get; set; } = 3;

    /// <summary>First back-off of a round. <value>The default value is 1 second.</value></summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait a <c>Retry-After</c> may impose within a round (a longer one ends the round). <value>The default value is 2 minutes.</value></summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Pause between rounds when a round failed. <value>The default value is 30 seconds.</value></summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan RoundInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A delivery still failing (transiently) this long after its first attempt in this run is given up (status
    /// <c>gave_up</c>, logged as an error). <value>The default value is 2 hours.</value>
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Circuit breaker: the share of failed attempts in the sampling window that opens it. <value>The default value is 0.5.</value></summary>
    [Range(0.01, 1.0)]
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Circuit breaker: attempts in the window before it may open. <value>The default value is 4.</value></summary>
    [Range(2, 1000)]
    public int BreakerMinimumThroughput { get; set; } = 4;

    /// <summary>Circuit breaker: sampling window. <value>The default value is 1 minute.</value></summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Circuit breaker: how long it stays open before one trial attempt. <value>The default value is 30 seconds.</value></summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan BreakerDuration { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The request an SMS gateway expects, as configuration. Placeholders in <see cref="Url"/> (URL-encoded),
/// <see cref="Headers"/> (as they are) and <see cref="BodyTemplate"/> (JSON-escaped when the content type is JSON,
/// form-encoded when it is <c>application/x-www-form-urlencoded</c>, else as they are): <c>{mobile}</c>, <c>{text}</c>,
/// <c>{recipient}</c>, <c>{notification_id}</c>, <c>{alert_id}</c>, <c>{timestamp}</c> (Unix seconds),
/// <c>{timestamp_ms}</c>.
/// </summary>
public sealed class SmsGatewayOptions
{
    /// <summary>HTTP method. <value>The default value is POST.</value></summary>
    [RegularExpression("^(GET|POST|PUT)$", ErrorMessage = "{0}: Method is GET, POST or PUT")]
    public string Method { get; set; } = "POST";

    /// <summary>Gateway URL (a template). A secret when it carries a key: never logged. <value>The default value is empty.</value></summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>Request headers (templates), e.g. <c>Authorization</c>. Never logged.</summary>
    public Dictionary<string, string> Headers { get; } = [];

    /// <summary>Content type of the body. <value>The default value is application/json.</value></summary>
    [Required]
    public string ContentType { get; set; } = "application/json";

    /// <summary>Body template; empty: no body. <value>The default value is {"mobile":"{mobile}","content":"{text}"}.</value></summary>
    public string BodyTemplate { get; set; } = "{\"mobile\":\"{mobile}\",\"content\":\"{text}\"}";

    /// <summary>Status codes that mean accepted, as ranges. <value>The default value is 200-299.</value></summary>
    [RegularExpression(@"^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$", ErrorMessage = "{0}: SuccessStatus is a list of codes or ranges, e.g. 200-299,302")]
    public string SuccessStatus { get; set; } = "200-299";

    /// <summary>
    /// A regular expression the response body must match to count as accepted (gateways that answer 200 with an error
    /// code in the body); empty: the status decides. A mismatch is a refusal (not retried). <value>The default value is empty.</value>
    /// </summary>
    public string SuccessBodyPattern { get; set; } = string.Empty;

    /// <summary>
    /// The message (a template; placeholders in docs/duty-room.md, "Messages"); empty: the built-in one, at most 70
    /// characters for the district's stations. <value>The default value is empty.</value>
    /// </summary>
    public string TextTemplate { get; set; } = string.Empty;

    /// <summary>Longest text: one SMS of Chinese text is 70 characters; a longer one is cut with "…". <value>The default value is 70.</value></summary>
    [Range(20, 1000)]
    public int MaxLength { get; set; } = 70;

    /// <summary>Whether the dashboard link is appended when the text still fits in <see cref="MaxLength"/>. <value>The default value is true.</value></summary>
    public bool AppendLinkWhenItFits { get; set; } = true;
}

/// <summary>An SMTP server for the email channel.</summary>
public sealed class SmtpChannelOptions
{
    /// <summary>Host. <value>The default value is empty.</value></summary>
    public string Host { get; set; } = string.Empty;

    /// <summary>Port. <value>The default value is 25.</value></summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 25;

    /// <summary>Connection security. <value>The default value is StartTlsWhenAvailable.</value></summary>
    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTlsWhenAvailable;

    /// <summary>User (empty: no authentication). <value>The default value is empty.</value></summary>
    public string Username { get; set; } = string.Empty;

    /// <summary>Password; never logged. <value>The default value is empty.</value></summary>
    public string Password { get; set; } = string.Empty;

    /// <summary>Sender address. <value>The default value is empty.</value></summary>
    public string From { get; set; } = string.Empty;

    /// <summary>Sender display name. <value>The default value is 门头沟区监测预警.</value></summary>
    public string FromName { get; set; } = "门头沟区监测预警";
}

/// <summary>A person who can be notified (a duty officer, a ranger).</summary>
public sealed class DutyRecipientOptions
{
    /// <summary>Name used by routes and in delivery records (not a secret). <value>The default value is empty (required).</value></summary>
    [Required]
    [RegularExpression("^[a-z0-9][a-z0-9._-]{0,39}$", ErrorMessage = "{0}: a recipient name is 1-40 lower-case letters, digits, '.', '_' and '-'")]
    public string Name { get; set; } = string.Empty;

    /// <summary>Mobile number (SMS; @-mentions in DingTalk and WeCom text). <value>The default value is empty.</value></summary>
    [RegularExpression(@"^(\+?\d{6,15})?$", ErrorMessage = "{0}: Mobile is digits, optionally starting with +")]
    public string Mobile { get; set; } = string.Empty;

    /// <summary>Email address. <value>The default value is empty.</value></summary>
    [RegularExpression(@"^([^@\s]+@[^@\s]+)?$", ErrorMessage = "{0}: Email is an address like duty@example.cn")]
    public string Email { get; set; } = string.Empty;

    /// <summary>WeCom user id, for <c>&lt;@userid&gt;</c> mentions in WeCom markdown. <value>The default value is empty.</value></summary>
    public string WeComUserId { get; set; } = string.Empty;
}

/// <summary>
/// Which alert changes (audience, minimum severity, transitions, optionally sites and watersheds) go to which channels
/// and recipients. Group robots get one message per change that @-mentions the route's recipients; SMS and email get
/// one per recipient.
/// </summary>
public sealed class DutyRouteOptions
{
    /// <summary>Name for logs and errors. <value>The default value is empty.</value></summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Audiences (emergency, ecology, maintenance); empty: none (a route must name at least one).</summary>
    public List<Audience> Audiences { get; } = [];

    /// <summary>
    /// Lowest severity that goes out (info, blue, yellow, orange, red), judged on the higher of the severity and the
    /// severity before the change (so a resolve of a red alert is a red-route message). <value>The default value is blue.</value>
    /// </summary>
    [RegularExpression("^(info|blue|yellow|orange|red)$", ErrorMessage = "{0}: MinSeverity is info, blue, yellow, orange or red")]
    public string MinSeverity { get; set; } = "blue";

    /// <summary>Transitions that go out; empty: raised, escalated, lost_contact, resolved, closed, updated (an incident grouped per site and day learned of a new species or camera).</summary>
    public List<Transition> Transitions { get; } = [];

    /// <summary>Only alerts of these sites (registry ids); empty: all.</summary>
    public List<string> Sites { get; } = [];

    /// <summary>Only alerts of these watersheds (registry ids); empty: all.</summary>
    public List<string> Watersheds { get; } = [];

    /// <summary>Channel names.</summary>
    public List<string> Channels { get; } = [];

    /// <summary>Recipient names.</summary>
    public List<string> Recipients { get; } = [];
}
