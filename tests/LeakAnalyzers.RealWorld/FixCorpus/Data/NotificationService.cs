using System.Net.Mail;
using System.Net.Sockets;
using System.Text;

namespace Corpus.Data;

/// <summary>Mail, SMS gateway (raw TCP), file drops and search, one method per channel.</summary>
public sealed class NotificationService
{
    private readonly IConfiguration _configuration;
    private readonly ISearchClientFactory _searchFactory;

    public NotificationService(IConfiguration configuration, ISearchClientFactory searchFactory)
    {
        _configuration = configuration;
        _searchFactory = searchFactory;
    }

    public async Task SendMailAsync(string to, string subject, string body)
    {
        var smtp = new SmtpClient(_configuration["Smtp:Host"], 587) { EnableSsl = true };
        await smtp.SendMailAsync(new MailMessage("noreply@example.com", to, subject, body));
    }

    public void SendSms(string number, string text)
    {
        var client = new TcpClient(_configuration["Sms:Host"]!, 2775);
        var stream = client.GetStream();
        var payload = Encoding.ASCII.GetBytes($"{number}|{text}\n");
        stream.Write(payload, 0, payload.Length);
    }

    public async Task SendDatagramAsync(string text)
    {
        var udp = new UdpClient();
        await udp.SendAsync(Encoding.UTF8.GetBytes(text), _configuration["Syslog:Host"], 514);
    }

    public async Task DropFileAsync(string name, Stream content)
    {
        var ftp = FtpConnection.Open(_configuration["Drop:Host"]!);
        await ftp.UploadAsync("/incoming/" + name, content);
    }

    public async Task<int> CountMatchesAsync(string index, string text)
    {
        var search = _searchFactory.CreateClient(index);
        var hits = await search.QueryAsync(text);
        return hits.Count;
    }

    public async Task<double> BestScoreAsync(string text)
    {
        var client = new SearchClient("products");
        var hits = await client.QueryAsync(text);
        if (hits.Count == 0)
        {
            return 0;
        }

        await client.DisposeAsync();
        return hits.Max(h => h.Score);
    }

    public async Task<string> ChargeAsync(string customerId, decimal amount) =>
        await new BillingClient(_configuration["Billing:Key"]!).ChargeAsync(customerId, amount);
}
