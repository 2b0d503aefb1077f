using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;

namespace Corpus.Controllers;

[ApiController]
[Route("api/orders")]
public sealed class OrdersController : ControllerBase
{
    private readonly HttpClient _http;
    private readonly IOrderRepository _orders;
    private readonly ICustomerDirectory _customers;
    private readonly IAuditLog _audit;
    private readonly ILogger<OrdersController> _logger;

    public OrdersController(HttpClient http, IOrderRepository orders, ICustomerDirectory customers, IAuditLog audit, ILogger<OrdersController> logger)
    {
        _http = http;
        _orders = orders;
        _customers = customers;
        _audit = audit;
        _logger = logger;
    }

    [HttpGet("{id:int}")]
    public async Task<IActionResult> Get(int id, CancellationToken cancellationToken)
    {
        var order = await _orders.LoadAsync(id, cancellationToken);
        if (order is null)
        {
            return NotFound();
        }

        var response = await _http.GetAsync($"https://loyalty.internal/points/{order.CustomerId}", cancellationToken);
        var points = response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(cancellationToken) : "0";
        return Ok(new { order, points });
    }

    [HttpPost]
    public async Task<IActionResult> Create(Order order, CancellationToken cancellationToken)
    {
        await _orders.SaveAsync(order, cancellationToken);
        await _http.PostAsJsonAsync("https://events.internal/order-created", order, cancellationToken);
        _ = _audit.WriteAsync(new AuditEntry(User.Identity?.Name ?? "anonymous", "order.create", DateTimeOffset.UtcNow));
        return CreatedAtAction(nameof(Get), new { id = order.Id }, order);
    }

    [HttpPost("{id:int}/cancel")]
    public async Task<IActionResult> Cancel(int id)
    {
        (await _http.DeleteAsync($"https://fulfilment.internal/shipments/{id}")).EnsureSuccessStatusCode();
        return NoContent();
    }

    [HttpGet("{id:int}/summary")]
    public async Task<ActionResult<object>> Summary(int id, CancellationToken cancellationToken)
    {
        var orderTask = _orders.LoadAsync(id);
        var historyTask = _orders.ForCustomerAsync("self");
        await Task.WhenAll(orderTask, historyTask);
        return new { order = orderTask.Result, history = historyTask.Result.Count };
    }

    [HttpGet("{id:int}/invoice")]
    public async Task<IActionResult> Invoice(int id, string token)
    {
        using var client = new HttpClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var pdf = await client.GetByteArrayAsync($"https://invoices.internal/{id}.pdf");
        return File(pdf, "application/pdf");
    }

    [HttpGet("{id:int}/tracking")]
    public async Task<IActionResult> Tracking(int id, CancellationToken cancellationToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(4));
        var status = await _http.GetStringAsync($"https://carrier.example.com/track/{id}", cts.Token);
        return Ok(status);
    }

    [HttpGet("{id:int}/eta")]
    public async Task<IActionResult> Eta(int id)
    {
        var lookup = _http.GetStringAsync($"https://routing.internal/eta/{id}");
        var winner = await Task.WhenAny(lookup, Task.Delay(TimeSpan.FromMilliseconds(800)));
        if (winner != lookup)
        {
            _logger.LogWarning("ETA lookup for {Order} timed out", id);
            return StatusCode(StatusCodes.Status504GatewayTimeout);
        }

        return Ok(await lookup);
    }
}
