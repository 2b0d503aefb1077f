using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace Corpus.Controllers;

[ApiController]
[Route("api/customers")]
public class CustomersController : ControllerBase
{
    private readonly HttpClient _client;
    private readonly ICustomerDirectory _directory;
    private readonly IEmailSender _email;

    public CustomersController(ICustomerDirectory directory, IEmailSender email)
    {
        _client = new HttpClient { BaseAddress = new Uri("https://crm.internal/") };
        _directory = directory;
        _email = email;
    }

    [HttpGet("{id}")]
    public async Task<IActionResult> Get(string id) =>
        await _directory.FindAsync(id) is { } customer ? Ok(customer) : NotFound();

    [HttpGet("{id}/crm")]
    public async Task<IActionResult> Crm(string id)
    {
        HttpResponseMessage response = await _client.GetAsync("customers/" + id).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return StatusCode((int)response.StatusCode);
        }

        var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        var doc = await JsonSerializer.DeserializeAsync<JsonElement>(stream).ConfigureAwait(false);
        response.Dispose();
        return Ok(doc);
    }

    [HttpPost("{id}/welcome")]
    public IActionResult Welcome(string id)
    {
        SendWelcomeAsync(id);
        return Accepted();
    }

    [HttpGet("{id}/avatar")]
    public async Task<IActionResult> Avatar(string id)
    {
        var stream = await _client.GetStreamAsync($"avatars/{id}");
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return File(buffer.ToArray(), "image/png");
    }

    [HttpGet("{id}/score")]
    public async Task<IActionResult> Score(string id, CancellationToken cancellationToken)
    {
        var score = _client.GetFromJsonAsync<int>($"risk/{id}");
        try
        {
            return Ok(await score.WaitAsync(TimeSpan.FromSeconds(2), cancellationToken));
        }
        catch (TimeoutException)
        {
            return Ok(-1);
        }
    }

    private async Task SendWelcomeAsync(string id)
    {
        var customer = await _directory.FindAsync(id);
        if (customer is not null)
        {
            await _email.SendAsync(customer.Email, "Welcome", $"Hello {customer.Name}");
        }
    }
}
