using LeakAnalyzers.Rules;
using LeakAnalyzers.Tests.Verification;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using VerifyAnalyzer = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.PerRequestClientDisposalAnalyzer>;
using VerifyFix = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.PerRequestClientDisposalAnalyzer, LeakAnalyzers.CodeFixes.Disposal.DisposeWithUsingCodeFixProvider>;

namespace LeakAnalyzers.Tests.Rules;

public sealed class PerRequestClientDisposalAnalyzerTests
{
    private static readonly string[] Grpc = { "Grpc.Net.Client", "Grpc.Net.Common", "Grpc.Core.Api" };

    /// <summary>A hand-written stub in the shape Grpc.Tools generates (ClientBase is not IDisposable).</summary>
    private const string GreeterStub = """
        namespace Demo
        {
            public static class Greeter
            {
                public sealed class GreeterClient : Grpc.Core.ClientBase<GreeterClient>
                {
                    public GreeterClient(Grpc.Core.ChannelBase channel) : base(channel) { }
                    private GreeterClient(ClientBaseConfiguration configuration) : base(configuration) { }
                    protected override GreeterClient NewInstance(ClientBaseConfiguration configuration) => new GreeterClient(configuration);
                    public Task<string> SayHelloAsync(string name) => Task.FromResult(name);
                }
            }
        }
        """;

    /// <summary>Azure.Messaging.ServiceBus is not served by this registry: the real namespace and disposal shape stand in.</summary>
    private const string ServiceBusStandIn = """
        namespace Azure.Messaging.ServiceBus
        {
            public class ServiceBusClient : IAsyncDisposable
            {
                public ServiceBusClient(string connectionString) { }
                public ValueTask DisposeAsync() => default;
            }
        }
        """;

    /// <summary>The gRPC packages and the stub, in the source and (in code-fix tests) the fixed source.</summary>
    private static void WithGrpc<TCodeFix>(LeakTest<PerRequestClientDisposalAnalyzer, TCodeFix> test)
        where TCodeFix : CodeFixProvider, new()
    {
        test.Packages.AddRange(Grpc);
        test.TestState.Sources.Add(("/0/Greeter.cs", GreeterStub));
        if (test.FixedState.Sources.Count > 0)
        {
            test.FixedState.Sources.Add(("/0/Greeter.cs", GreeterStub));
        }
    }

    // ---- Positives ----------------------------------------------------------------------

    [Fact]
    public Task Per_request_grpc_channel_behind_a_stub_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using Grpc.Net.Client;

        class SecretsProxy
        {
            public async Task<string> Get(string name)
            {
                var channel = [|GrpcChannel.ForAddress("http://localhost:5000")|];
                var client = new Demo.Greeter.GreeterClient(channel);
                return await client.SayHelloAsync(name);
            }
        }
        """, WithGrpc);

    [Fact]
    public Task Sockets_mail_and_websocket_clients_are_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Net.Mail;
        using System.Net.Sockets;
        using System.Net.WebSockets;

        class C
        {
            async Task M()
            {
                var tcp = [|new TcpClient()|];
                await tcp.ConnectAsync("localhost", 80);
                var udp = [|new UdpClient()|];
                udp.Connect("localhost", 53);
                var smtp = [|new SmtpClient("localhost")|];
                smtp.Send("a@b.c", "d@e.f", "s", "b");
                var socket = [|new ClientWebSocket()|];
                await socket.ConnectAsync(new Uri("ws://localhost"), CancellationToken.None);
            }
        }
        """);

    [Fact]
    public Task Database_connections_are_reported_also_behind_a_command() => VerifyAnalyzer.DiagnosticsAsync("""
        using Npgsql;

        class Orders
        {
            public async Task<long> Count(NpgsqlDataSource dataSource, string connectionString)
            {
                var connection = await [|dataSource.OpenConnectionAsync()|];
                using var command = new NpgsqlCommand("select count(*) from orders", connection);
                var other = [|new NpgsqlConnection(connectionString)|];
                await other.OpenAsync();
                using var second = other.CreateCommand();
                return (long)(await command.ExecuteScalarAsync())! + (long)(await second.ExecuteScalarAsync())!;
            }
        }
        """, test => test.Packages.Add("Npgsql"));

    [Fact]
    public Task Redis_multiplexer_per_call_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using StackExchange.Redis;

        class Cache
        {
            public async Task<string?> Get(string key)
            {
                var redis = await [|ConnectionMultiplexer.ConnectAsync("localhost")|];
                return await redis.GetDatabase().StringGetAsync(key);
            }
        }
        """, test => test.Packages.Add("StackExchange.Redis"));

    [Fact]
    public Task Named_convention_and_factories_are_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        sealed class InventoryClient : IDisposable
        {
            public static InventoryClient Create() => new InventoryClient();
            public int Count() => 0;
            public void Dispose() { }
        }

        sealed class QueueChannel : IAsyncDisposable
        {
            public ValueTask DisposeAsync() => default;
            public void Send(string message) { }
        }

        interface IConnectionFactory { Task<BrokerConnection> CreateConnectionAsync(); }
        sealed class BrokerConnection : IDisposable { public void Dispose() { } public void Publish() { } }

        class C
        {
            async Task<int> M(IConnectionFactory factory)
            {
                var inventory = [|InventoryClient.Create()|];
                var queue = [|new QueueChannel()|];
                queue.Send("x");
                var connection = await [|factory.CreateConnectionAsync()|];
                connection.Publish();
                return inventory.Count();
            }
        }
        """);

    [Fact]
    public Task Configured_client_types_are_added_and_removed() => VerifyAnalyzer.DiagnosticsAsync("""
        namespace Sdk
        {
            public sealed class Pool : IDisposable { public void Dispose() { } public void Use() { } }
            public sealed class AuditClient : IDisposable { public void Dispose() { } public void Use() { } }
        }

        class C
        {
            void M()
            {
                var pool = [|new Sdk.Pool()|];
                pool.Use();
                var audit = new Sdk.AuditClient();
                audit.Use();
            }
        }
        """, test => test.EditorConfig = "leak_analyzers.client_types = Sdk.Pool, Missing.Type\nleak_analyzers.client_types_exclude = Sdk.AuditClient");

    // ---- Near misses ------------------------------------------------------------------------

    [Fact]
    public Task Owned_disposed_and_shared_clients_are_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Net.Sockets;
        using Microsoft.Extensions.DependencyInjection;
        using Azure.Messaging.ServiceBus;

        sealed class Publisher : IAsyncDisposable
        {
            private readonly ServiceBusClient _client = new("Endpoint=sb://localhost/");
            private TcpClient? _tcp;

            public void Connect() => _tcp = new TcpClient();

            public static TcpClient Create() => new TcpClient();

            public async Task Send()
            {
                await using var client = new ServiceBusClient("Endpoint=sb://localhost/");
                using (var tcp = new TcpClient())
                {
                    await tcp.ConnectAsync("localhost", 80);
                }

                var other = new TcpClient();
                try
                {
                    await other.ConnectAsync("localhost", 80);
                }
                finally
                {
                    other.Dispose();
                }
            }

            public void Register(IServiceCollection services) => services.AddSingleton(_ => new ServiceBusClient("Endpoint=sb://localhost/"));

            public Task<HttpClient> NotThisRule(IHttpClientFactory factory) => Task.FromResult(factory.CreateClient());

            public Stream Wrapped() => new NetworkStream(new Socket(SocketType.Stream, ProtocolType.Tcp), ownsSocket: true);

            public async ValueTask DisposeAsync()
            {
                await _client.DisposeAsync();
                _tcp?.Dispose();
            }
        }
        """, test => test.TestState.Sources.Add(("/0/ServiceBus.cs", ServiceBusStandIn)));

    [Fact]
    public Task Http_clients_belong_to_LEAK002() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            Task<string> M(IHttpClientFactory factory) => new HttpClient().GetStringAsync("http://localhost/");
        }
        """);

    // ---- Code fix ---------------------------------------------------------------------------

    private const string ChannelAndConnection = """
        sealed class QueueChannel : IAsyncDisposable
        {
            public ValueTask DisposeAsync() => default;
            public void Send(string message) { }
        }

        interface IConnectionFactory { Task<BrokerConnection> CreateConnectionAsync(); }
        sealed class BrokerConnection : IAsyncDisposable
        {
            public ValueTask DisposeAsync() => default;
            public Task CloseAsync() => Task.CompletedTask;
            public void Publish() { }
            public bool IsOpen => false;
        }
        """;

    [Fact]
    public Task Fix_All_removes_explicit_DisposeAsync_and_a_last_CloseAsync_the_using_replaces() => VerifyFix.CodeFixAsync(ChannelAndConnection + """

        class C
        {
            async Task M(IConnectionFactory factory)
            {
                var queue = [|new QueueChannel()|];
                var connection = await [|factory.CreateConnectionAsync()|];
                queue.Send("x");
                connection.Publish();
                if (connection.IsOpen)
                {
                    await connection.CloseAsync();
                    return;
                }

                await queue.DisposeAsync().ConfigureAwait(false);
                // Closed last.
                await connection.CloseAsync();
            }
        }
        """, ChannelAndConnection + """

        class C
        {
            async Task M(IConnectionFactory factory)
            {
                await using var queue = new QueueChannel();
                await using var connection = await factory.CreateConnectionAsync();
                queue.Send("x");
                connection.Publish();
                if (connection.IsOpen)
                {
                    await connection.CloseAsync();
                    return;
                }

                // Closed last.
            }
        }
        """);

    [Fact]
    public Task Fix_keeps_a_close_the_local_is_used_after() => VerifyFix.CodeFixAsync(ChannelAndConnection + """

        class C
        {
            async Task<bool> M(IConnectionFactory factory)
            {
                var connection = await [|factory.CreateConnectionAsync()|];
                if (!connection.IsOpen)
                {
                    return false;
                }

                await connection.CloseAsync();
                return connection.IsOpen;
            }
        }
        """, ChannelAndConnection + """

        class C
        {
            async Task<bool> M(IConnectionFactory factory)
            {
                await using var connection = await factory.CreateConnectionAsync();
                if (!connection.IsOpen)
                {
                    return false;
                }

                await connection.CloseAsync();
                return connection.IsOpen;
            }
        }
        """);


    [Fact]
    public Task Fix_uses_await_using_for_async_disposables_in_async_methods() => VerifyFix.CodeFixAsync("""
        using Azure.Messaging.ServiceBus;
        using System.Net.Sockets;

        class C
        {
            async Task Send()
            {
                var client = [|new ServiceBusClient("Endpoint=sb://localhost/")|];
                await Task.Yield();
            }

            void Sync()
            {
                var tcp = [|new TcpClient()|];
                tcp.Connect("localhost", 80);
            }
        }
        """, """
        using Azure.Messaging.ServiceBus;
        using System.Net.Sockets;

        class C
        {
            async Task Send()
            {
                await using var client = new ServiceBusClient("Endpoint=sb://localhost/");
                await Task.Yield();
            }

            void Sync()
            {
                using var tcp = new TcpClient();
                tcp.Connect("localhost", 80);
            }
        }
        """, test =>
        {
            test.TestState.Sources.Add(("/0/ServiceBus.cs", ServiceBusStandIn));
            test.FixedState.Sources.Add(("/0/ServiceBus.cs", ServiceBusStandIn));
        });

    [Fact]
    public Task Fix_all_disposes_every_grpc_channel() => VerifyFix.CodeFixAsync("""
        using Grpc.Net.Client;

        class SecretsProxy
        {
            public async Task<string> A(string name)
            {
                var channel = [|GrpcChannel.ForAddress("http://localhost:5000")|];
                return await new Demo.Greeter.GreeterClient(channel).SayHelloAsync(name);
            }

            public async Task<string> B(string name) =>
                await new Demo.Greeter.GreeterClient([|GrpcChannel.ForAddress("http://localhost:5001")|]).SayHelloAsync(name);
        }
        """, """
        using Grpc.Net.Client;

        class SecretsProxy
        {
            public async Task<string> A(string name)
            {
                using var channel = GrpcChannel.ForAddress("http://localhost:5000");
                return await new Demo.Greeter.GreeterClient(channel).SayHelloAsync(name);
            }

            public async Task<string> B(string name)
            {
                using var grpcChannel = GrpcChannel.ForAddress("http://localhost:5001");
                return await new Demo.Greeter.GreeterClient(grpcChannel).SayHelloAsync(name);
            }
        }
        """, WithGrpc);

    [Fact]
    public Task Fix_is_not_offered_when_returned_work_still_uses_the_client() => VerifyFix.CodeFixAsync("""
        using Grpc.Net.Client;

        class SecretsProxy
        {
            public Task<string> Get(string address, string name) =>
                new Demo.Greeter.GreeterClient([|GrpcChannel.ForAddress(address)|]).SayHelloAsync(name);

            public Task<string> Block(string address, string name)
            {
                return new Demo.Greeter.GreeterClient([|GrpcChannel.ForAddress(address)|]).SayHelloAsync(name);
            }
        }
        """, """
        using Grpc.Net.Client;

        class SecretsProxy
        {
            public Task<string> Get(string address, string name) =>
                new Demo.Greeter.GreeterClient([|GrpcChannel.ForAddress(address)|]).SayHelloAsync(name);

            public Task<string> Block(string address, string name)
            {
                return new Demo.Greeter.GreeterClient([|GrpcChannel.ForAddress(address)|]).SayHelloAsync(name);
            }
        }
        """, WithGrpc);

    [Fact]
    public Task Fix_is_not_offered_for_a_client_handed_to_fire_and_forget_work() => VerifyFix.CodeFixAsync("""
        using System.Net.Sockets;

        class C
        {
            void M(Func<TcpClient, Task> work)
            {
                _ = work([|new TcpClient()|]);
            }
        }
        """, """
        using System.Net.Sockets;

        class C
        {
            void M(Func<TcpClient, Task> work)
            {
                _ = work([|new TcpClient()|]);
            }
        }
        """);

    [Fact]
    public Task Fix_in_CSharp_7_3_uses_a_using_statement() => VerifyFix.CodeFixAsync("""
        using System.Net.Sockets;

        class C
        {
            void M()
            {
                var tcp = [|new TcpClient()|];
                tcp.Connect("localhost", 80);
            }
        }
        """, """
        using System.Net.Sockets;

        class C
        {
            void M()
            {
                using (var tcp = new TcpClient())
                {
                    tcp.Connect("localhost", 80);
                }
            }
        }
        """, test => test.LanguageVersion = LanguageVersion.CSharp7_3);

    [Theory]
    [InlineData("var tcp = new System.Net.Sockets.TcpClient(;")]
    [InlineData("var c = Missing.Create(); c.")]
    [InlineData("var c = CreateClient(); using (c")]
    public async Task Incomplete_code_never_throws(string body)
    {
        await BrokenCode.NeverThrowsAsync<LeakAnalyzers.Rules.PerRequestClientDisposalAnalyzer>("class C { void M() { " + body + " } }");
    }
}
