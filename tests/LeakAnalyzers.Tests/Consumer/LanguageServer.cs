using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeakAnalyzers.Tests.Infrastructure;

namespace LeakAnalyzers.Tests.Consumer;

/// <summary>
/// A minimal Language Server Protocol client over stdio (JSON-RPC with <c>Content-Length</c>
/// framing): what an editor does to show squiggles. It answers the server's requests
/// (<c>workspace/configuration</c> from <paramref name="settings"/>, anything else with null) and
/// keeps the server's log for failure messages.
/// </summary>
public sealed class LanguageServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Stream _input;
    private readonly Func<string?, JsonNode?> _settings;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode?>> _pending = new();
    private readonly StringBuilder _log = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Task _reader;
    private int _nextId;

    private LanguageServer(Process process, Func<string?, JsonNode?> settings)
    {
        _process = process;
        _input = process.StandardInput.BaseStream;
        _settings = settings;
        _process.ErrorDataReceived += (_, e) => AppendLog(e.Data);
        _process.BeginErrorReadLine();
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>Starts <c>dotnet tool run &lt;tool&gt;</c> in <paramref name="toolDirectory"/> (where the tool manifest is found).</summary>
    /// <param name="settings">The value of a configuration section the server asks for.</param>
    public static LanguageServer StartDotNetTool(string toolDirectory, string tool, Func<string?, JsonNode?> settings, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = toolDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "tool", "run", tool, "--" }.Concat(arguments))
        {
            startInfo.ArgumentList.Add(argument);
        }

        ProcessRunner.DotNetEnvironment(startInfo.Environment);
        return new LanguageServer(Process.Start(startInfo)!, settings);
    }

    /// <summary>What the server wrote to stderr or sent as log messages, and every message it sent that was not a response.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public async Task<JsonNode?> RequestAsync(string method, JsonNode? parameters, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var response = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = response;
        await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters }, cancellationToken);
        using (cancellationToken.Register(() => response.TrySetCanceled(cancellationToken)))
        {
            return await response.Task;
        }
    }

    public Task NotifyAsync(string method, JsonNode? parameters, CancellationToken cancellationToken) =>
        SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = parameters }, cancellationToken);

    /// <summary>Asks the server to shut down and exit, then ends the whole process tree whatever it did.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            using var polite = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await RequestAsync("shutdown", null, polite.Token);
            await NotifyAsync("exit", null, polite.Token);
            await _process.WaitForExitAsync(polite.Token);
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or InvalidOperationException)
        {
            // It did not leave by itself: the kill below ends it.
        }
        finally
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
            _writeLock.Dispose();
        }
    }

    private async Task SendAsync(JsonObject message, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(message.ToJsonString());
        var header = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await _input.WriteAsync(header, cancellationToken);
            await _input.WriteAsync(body, cancellationToken);
            await _input.FlushAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        var output = _process.StandardOutput.BaseStream;
        try
        {
            while (await ReadMessageAsync(output) is { } message)
            {
                await HandleAsync(message);
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or JsonException)
        {
            AppendLog($"*** reading the server failed: {exception.Message}");
        }

        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(new IOException("The language server closed its output." + Environment.NewLine + Log));
        }
    }

    private async Task HandleAsync(JsonNode message)
    {
        var method = message["method"]?.GetValue<string>();
        var id = message["id"];
        if (method is null && id is not null)
        {
            if (_pending.TryRemove(id.GetValue<int>(), out var response))
            {
                if (message["error"] is { } error)
                {
                    response.TrySetException(new InvalidOperationException($"The server answered with an error: {error.ToJsonString()}"));
                }
                else
                {
                    response.TrySetResult(message["result"]?.DeepClone());
                }
            }

            return;
        }

        AppendLog(method == "window/logMessage" ? message["params"]?["message"]?.GetValue<string>() : message.ToJsonString());
        if (id is not null)
        {
            // A request from the server: configuration gets the settings, anything else (capability
            // registration, progress tokens) an empty success.
            JsonNode? result = method == "workspace/configuration"
                ? new JsonArray((message["params"]?["items"]?.AsArray() ?? new JsonArray())
                    .Select(item => _settings(item?["section"]?.GetValue<string>()))
                    .ToArray())
                : null;
            await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id.DeepClone(), ["result"] = result }, CancellationToken.None);
        }
    }

    private static async Task<JsonNode?> ReadMessageAsync(Stream output)
    {
        var contentLength = -1;
        while (true)
        {
            var line = await ReadHeaderLineAsync(output);
            if (line is null)
            {
                return null;
            }

            if (line.Length == 0)
            {
                break;
            }

            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                contentLength = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        if (contentLength < 0)
        {
            throw new IOException("A message without Content-Length.");
        }

        var body = new byte[contentLength];
        await output.ReadExactlyAsync(body);
        return JsonNode.Parse(body);
    }

    /// <summary>One header line (ASCII, ends with CRLF), or null at the end of the stream.</summary>
    private static async Task<string?> ReadHeaderLineAsync(Stream output)
    {
        var line = new StringBuilder();
        var single = new byte[1];
        while (true)
        {
            if (await output.ReadAsync(single) == 0)
            {
                return null;
            }

            if (single[0] == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }

            line.Append((char)single[0]);
        }
    }

    private void AppendLog(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }
}
