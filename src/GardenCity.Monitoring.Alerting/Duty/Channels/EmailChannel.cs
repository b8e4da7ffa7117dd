using System.Net.Sockets;
using GardenCity.Monitoring.Alerting.Duty.Exceptions;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace GardenCity.Monitoring.Alerting.Duty.Channels;

/// <summary>
/// Email over SMTP with MailKit: one plain-text message per person, connection per delivery. The Message-ID is derived
/// from the notification and recipient, so a repeat after a restart is recognisable. SMTP 4xx and a broken connection are
/// retried; 5xx and failed authentication are refusals.
/// </summary>
public sealed class EmailChannel(DutyChannelOptions options, DutyMessages messages, DutyLanguage language) : IDutyChannel
{
    /// <inheritdoc/>
    public DutyChannelOptions Options => options;

    /// <inheritdoc/>
    public bool ToGroup => false;

    /// <summary>The message for one delivery.</summary>
    public MimeMessage Message(DutyDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        DutyMessage m = messages.Build(delivery, language);
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(options.Smtp.FromName, options.Smtp.From));
        message.To.Add(new MailboxAddress(delivery.Recipient, delivery.Person?.Email ?? string.Empty));
        message.Subject = m.Title;
        string id = new string(delivery.Notification.NotificationId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '_').ToArray());
        message.MessageId = $"{id}.{delivery.Recipient}@gardencity.duty";
        message.Headers.Add("X-GardenCity-Notification", delivery.Notification.NotificationId);
        if (delivery.Grouped.Count > 0)
        {
            message.Headers.Add("X-GardenCity-Notifications", string.Join(' ', delivery.Grouped.Select(n => n.NotificationId)));
        }
        message.Body = new TextPart("plain") { Text = m.Text };
        return message;
    }

    /// <inheritdoc/>
    public async Task SendAsync(DutyDelivery delivery, CancellationToken cancellationToken)
    {
        MimeMessage message = Message(delivery);
        using var smtp = new SmtpClient();
        try
        {
            SecureSocketOptions security = options.Smtp.Security switch
            {
                SmtpSecurity.None => SecureSocketOptions.None,
                SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
                SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
                _ => SecureSocketOptions.StartTlsWhenAvailable,
            };
            await smtp.ConnectAsync(options.Smtp.Host, options.Smtp.Port, security, cancellationToken).ConfigureAwait(false);
            if (options.Smtp.Username.Length > 0)
            {
                await smtp.AuthenticateAsync(options.Smtp.Username, options.Smtp.Password, cancellationToken).ConfigureAwait(false);
            }

            await smtp.SendAsync(message, cancellationToken).ConfigureAwait(false);
            await smtp.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
        }
        catch (SmtpCommandException ex)
        {
            throw new DutyDeliveryException($"SMTP {(int)ex.StatusCode}: {ex.Message}", transient: (int)ex.StatusCode < 500, null, ex);
        }
        catch (AuthenticationException ex)
        {
            throw new DutyDeliveryException($"SMTP authentication failed: {ex.Message}", transient: false, null, ex);
        }
        catch (Exception ex) when (ex is SmtpProtocolException or IOException or SocketException or ServiceNotConnectedException or SslHandshakeException)
        {
            throw new DutyDeliveryException($"SMTP connection failed: {ex.Message}", transient: true, null, ex);
        }
    }
}
