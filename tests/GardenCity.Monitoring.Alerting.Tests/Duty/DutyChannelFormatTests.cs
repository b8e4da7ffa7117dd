using System.Security.Cryptography;
using System.Text;
using GardenCity.Monitoring.Alerting.Duty;
using GardenCity.Monitoring.Alerting.Duty.Channels;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using static GardenCity.Monitoring.Alerting.Tests.Duty.DutyTestData;
using static GardenCity.Monitoring.Alerting.Tests.TestData;

namespace GardenCity.Monitoring.Alerting.Tests.Duty;

/// <summary>Each channel's exact request, from a fixed notification.</summary>
public sealed class DutyChannelFormatTests
{
    private static readonly DutyMessages Messages = new(Options(), Registry);
    private static readonly string Markdown = Messages.Build(Red(), DutyLanguage.Zh).Markdown;

    private static readonly System.Text.Json.JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string JsonText(string s) => System.Text.Json.JsonSerializer.Serialize(s, Relaxed);

    [Fact]
    public void WeCom_Markdown_ExactBody_MentionsByUserId()
    {
        var channel = new WeComChannel(new DutyChannelOptions { Name = "wecom", Url = "http://127.0.0.1/x" }, new HttpClient(), Messages, DutyLanguage.Zh, TimeProvider.System);

        string body = channel.Body(new DutyDelivery("wecom", DutyDelivery.Group, Red(), null, [Zhang, Li])).ToJsonString(new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

        Assert.Equal("{\"msgtype\":\"markdown\",\"markdown\":{\"content\":" + JsonText(Markdown + "\n<@ZhangSan>") + "}}", body);
    }

    [Fact]
    public void WeCom_Text_ExactBody_MentionsByMobile()
    {
        var channel = new WeComChannel(new DutyChannelOptions { Name = "wecom", Url = "http://127.0.0.1/x", WeComMessageType = "text" }, new HttpClient(), Messages, DutyLanguage.Zh, TimeProvider.System);

        string body = channel.Body(new DutyDelivery("wecom", DutyDelivery.Group, Red(), null, [Zhang, Li])).ToJsonString(new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

        Assert.Equal("{\"msgtype\":\"text\",\"text\":{\"content\":" + JsonText(Messages.Build(Red(), DutyLanguage.Zh).Text) + ",\"mentioned_mobile_list\":[\"13800001111\",\"13900002222\"]}}", body);
    }

    [Fact]
    public void DingTalk_ExactBody_AtMobiles()
    {
        var channel = new DingTalkChannel(new DutyChannelOptions { Name = "ding", Kind = DutyChannelKind.DingTalk, Url = "http://127.0.0.1/robot/send?access_token=t" }, new HttpClient(), Messages, DutyLanguage.Zh, TimeProvider.System);

        string body = channel.Body(new DutyDelivery("ding", DutyDelivery.Group, Red(), null, [Zhang, Li])).ToJsonString(new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

        Assert.Equal(
            "{\"msgtype\":\"markdown\",\"markdown\":{\"title\":\"【红色暴雨预警升级】百花山气象站\",\"text\":" + JsonText(Markdown + "\n\n@13800001111 @13900002222") + "}," +
            "\"at\":{\"atMobiles\":[\"13800001111\",\"13900002222\"],\"isAtAll\":false}}",
            body);
    }

    [Fact]
    public void DingTalk_Sign_MatchesAVectorComputedIndependently()
    {
        // Computed with Python's hmac/hashlib/base64/urllib.parse.quote_plus, as in DingTalk's own example:
        // base64(hmac_sha256(b"SEC0123456789abcdef", b"1577836800000\nSEC0123456789abcdef")).
        Assert.Equal("VIkrYXpqM66nY2agvTap17lAqEfAZw77OqD62+Mh1G0=", DingTalkChannel.Sign(1577836800000, "SEC0123456789abcdef"));

        var channel = new DingTalkChannel(new DutyChannelOptions { Name = "ding", Kind = DutyChannelKind.DingTalk, Url = "https://oapi.dingtalk.com/robot/send?access_token=abc", Secret = "SEC0123456789abcdef" }, new HttpClient(), Messages, DutyLanguage.Zh, TimeProvider.System);
        Assert.Equal("https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1577836800000&sign=VIkrYXpqM66nY2agvTap17lAqEfAZw77OqD62%2BMh1G0%3D", channel.RequestUrl(1577836800000));
    }

    [Fact]
    public void DingTalk_Sign_AgreesWithAFreshHmac()
    {
        long ts = 1700000000123;
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes("SECabc"));
        string expected = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(ts + "\nSECabc")));

        Assert.Equal(expected, DingTalkChannel.Sign(ts, "SECabc"));
    }

    [Fact]
    public async Task Sms_RequestShapeIsConfiguration()
    {
        var options = new DutyChannelOptions { Name = "sms", Kind = DutyChannelKind.Sms };
        options.Sms.Url = "http://127.0.0.1:1/sms/send?to={mobile}&ts={timestamp}";
        options.Sms.Headers["Authorization"] = "Bearer k-{timestamp}";
        options.Sms.BodyTemplate = "{\"phone\":\"{mobile}\",\"msg\":\"{text}\",\"ref\":\"{notification_id}\"}";
        var time = new FakeTimeProvider(new DateTimeOffset(2023, 7, 30, 14, 6, 0, TimeSpan.Zero));
        var channel = new SmsGatewayChannel(options, new HttpClient(), Messages, DutyLanguage.Zh, time);

        using HttpRequestMessage request = channel.Request(new DutyDelivery("sms", "zhang-san", Red(), Zhang, []));

        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("http://127.0.0.1:1/sms/send?to=13800001111&ts=1690725960", request.RequestUri!.OriginalString);
        Assert.Equal("Bearer k-1690725960", request.Headers.GetValues("Authorization").Single());
        Assert.Equal("application/json; charset=utf-8", request.Content!.Headers.ContentType!.ToString());
        Assert.Equal(
            "{\"phone\":\"13800001111\",\"msg\":\"【红色暴雨预警升级】百花山气象站（清水河）104.2（标准100）07-30 22:05，请登录值班台确认\",\"ref\":\"rainstorm-cma.bhs-wx-01.20230730T130000Z#2\"}",
            await request.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Sms_FormBody_IsFormEncoded()
    {
        var options = new DutyChannelOptions { Name = "sms", Kind = DutyChannelKind.Sms };
        options.Sms.Url = "http://127.0.0.1:1/sms";
        options.Sms.ContentType = "application/x-www-form-urlencoded";
        options.Sms.BodyTemplate = "to={mobile}&text={text}";
        options.Sms.TextTemplate = "{severity_zh} {value}&x";
        var channel = new SmsGatewayChannel(options, new HttpClient(), Messages, DutyLanguage.Zh, TimeProvider.System);

        using HttpRequestMessage request = channel.Request(new DutyDelivery("sms", "zhang-san", Red(), Zhang, []));

        Assert.Equal("to=13800001111&text=%E7%BA%A2%E8%89%B2%20104.2%26x", await request.Content!.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Email_Message_SubjectBodyAndStableMessageId()
    {
        var options = new DutyChannelOptions { Name = "mail", Kind = DutyChannelKind.Email };
        options.Smtp.Host = "127.0.0.1";
        options.Smtp.From = "alerts@duty.example.cn";
        var channel = new EmailChannel(options, Messages, DutyLanguage.Zh);

        MimeMessage message = channel.Message(new DutyDelivery("mail", "zhang-san", Red(), Zhang, []));

        Assert.Equal("【红色暴雨预警升级】百花山气象站", message.Subject);
        Assert.Equal("zhangsan@duty.example.cn", message.To.Mailboxes.Single().Address);
        Assert.Equal("rainstorm-cma.bhs-wx-01.20230730T130000Z_2.zhang-san@gardencity.duty", message.MessageId);
        Assert.Equal(Messages.Build(Red(), DutyLanguage.Zh).Text, message.TextBody!.TrimEnd());
    }
}
