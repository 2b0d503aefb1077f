using LeakAnalyzers.Tests.Verification;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using VerifyAnalyzer = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.HttpResponseDisposalAnalyzer>;
using VerifyFix = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.HttpResponseDisposalAnalyzer, LeakAnalyzers.CodeFixes.Disposal.DisposeWithUsingCodeFixProvider>;

namespace LeakAnalyzers.Tests.Rules;

public sealed class HttpResponseDisposalAnalyzerTests
{
    // ---- Positives ----------------------------------------------------------------------

    [Fact]
    public Task Local_never_disposed_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task<string> M(HttpClient client)
            {
                var response = await [|client.GetAsync("http://localhost/")|];
                return await response.Content.ReadAsStringAsync();
            }
        }
        """);

    [Fact]
    public Task Discarded_result_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task M(HttpClient client, HttpContent content)
            {
                await [|client.PostAsync("http://localhost/", content)|];
                _ = await [|client.DeleteAsync("http://localhost/")|];
            }
        }
        """);

    [Fact]
    public Task Chained_use_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task<int> M(HttpClient client)
            {
                (await [|client.GetAsync("http://localhost/")|]).EnsureSuccessStatusCode();
                return (int)(await [|client.GetAsync("http://localhost/")|]).StatusCode;
            }
        }
        """);

    [Fact]
    public Task Send_sync_and_invoker_and_extension_methods_are_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Net.Http.Json;

        class C
        {
            async Task M(HttpClient client, HttpMessageInvoker invoker, HttpRequestMessage request, object payload)
            {
                var a = [|client.Send(request)|];
                var b = await [|invoker.SendAsync(request, CancellationToken.None)|];
                var c = await [|client.PostAsJsonAsync("http://localhost/", payload)|];
                var d = [|client.GetAsync("http://localhost/")|].Result;
                var e = await [|client.GetAsync("http://localhost/")|].ConfigureAwait(false);
                var f = [|client.GetAsync("http://localhost/")|].GetAwaiter().GetResult();
            }
        }
        """);

    [Fact]
    public Task Response_streams_are_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task<int> M(HttpClient client)
            {
                var stream = await [|client.GetStreamAsync("http://localhost/")|];
                return stream.ReadByte();
            }
        }
        """);

    [Fact]
    public Task Content_stream_of_an_undisposed_response_is_reported_with_the_response() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task<int> M(HttpClient client)
            {
                var response = await [|client.GetAsync("http://localhost/")|];
                var body = await [|response.Content.ReadAsStreamAsync()|];
                return body.ReadByte();
            }
        }
        """);

    [Fact]
    public Task Disposed_on_some_paths_only_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task<bool> M(HttpClient client, bool flag)
            {
                var response = await [|client.GetAsync("http://localhost/")|];
                if (flag)
                {
                    return false;
                }

                response.Dispose();
                return true;
            }
        }
        """);

    [Fact]
    public Task Disposed_after_a_loop_that_overwrites_it_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task M(HttpClient client, string[] urls)
            {
                HttpResponseMessage? last = null;
                foreach (var url in urls)
                {
                    last = await [|client.GetAsync(url)|];
                }

                last?.Dispose();
            }
        }
        """);

    [Fact]
    public Task Passed_to_a_method_that_only_reads_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task<string> M(HttpClient client)
            {
                var response = await [|client.GetAsync("http://localhost/")|];
                return Describe(response);
            }

            static string Describe(HttpResponseMessage response) => response.StatusCode.ToString();
        }
        """);

    [Fact]
    public Task Leaks_in_lambdas_local_functions_and_top_level_code_are_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        var client = new HttpClient();
        var status = (await [|client.GetAsync("http://localhost/")|]).StatusCode;

        Func<Task<bool>> check = async () =>
        {
            var response = await [|client.GetAsync("http://localhost/")|];
            return response.IsSuccessStatusCode;
        };

        async Task<bool> Probe()
        {
            var response = await [|client.GetAsync("http://localhost/")|];
            return response.IsSuccessStatusCode;
        }
        """, test => test.OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication);

    [Fact]
    public Task Copy_into_another_local_that_is_never_disposed_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task<bool> M(HttpClient client)
            {
                var response = await [|client.GetAsync("http://localhost/")|];
                var copy = response;
                return copy.IsSuccessStatusCode;
            }
        }
        """);

    // ---- Near misses (docs/ownership.md) -----------------------------------------

    [Fact]
    public Task Using_statement_declaration_and_await_using_are_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task M(HttpClient client)
            {
                using var a = await client.GetAsync("http://localhost/");
                using (var b = await client.GetAsync("http://localhost/"))
                {
                }

                using (await client.GetAsync("http://localhost/"))
                {
                }

                await using var stream = await client.GetStreamAsync("http://localhost/");
                using var ensured = (await client.GetAsync("http://localhost/")).EnsureSuccessStatusCode();
                var c = await client.GetAsync("http://localhost/");
                using (c)
                {
                }
            }
        }
        """);

    [Fact]
    public Task Disposed_on_every_path_is_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task<int> M(HttpClient client, int mode)
            {
                var response = await client.GetAsync("http://localhost/");
                if (mode == 0)
                {
                    response.Dispose();
                    return 0;
                }

                switch (mode)
                {
                    case 1:
                        response.Dispose();
                        return 1;
                    default:
                        response?.Dispose();
                        break;
                }

                return 2;
            }

            async Task Loop(HttpClient client, string[] urls)
            {
                foreach (var url in urls)
                {
                    var response = await client.GetAsync(url);
                    if (!response.IsSuccessStatusCode)
                    {
                        response.Dispose();
                        continue;
                    }

                    response.Dispose();
                }
            }

            async Task<int> ClosedStream(HttpClient client)
            {
                var stream = await client.GetStreamAsync("http://localhost/");
                var first = stream.ReadByte();
                stream.Close();
                return first;
            }

            async Task NullChecked(HttpClient client)
            {
                var response = await client.GetAsync("http://localhost/");
                if (response != null)
                {
                    response.Dispose();
                }
            }
        }
        """);

    [Fact]
    public Task Disposed_in_finally_is_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task<string> M(HttpClient client)
            {
                HttpResponseMessage? response = null;
                try
                {
                    response = await client.GetAsync("http://localhost/");
                    if (!response.IsSuccessStatusCode)
                    {
                        return "";
                    }

                    return await response.Content.ReadAsStringAsync();
                }
                finally
                {
                    response?.Dispose();
                }
            }

            async Task<string> Other(HttpClient client)
            {
                var response = await client.GetAsync("http://localhost/");
                try
                {
                    return await response.Content.ReadAsStringAsync();
                }
                finally
                {
                    if (response != null)
                    {
                        response.Dispose();
                    }
                }
            }
        }
        """);

    [Fact]
    public Task Exception_paths_are_not_required() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task<string> M(HttpClient client)
            {
                var response = await client.GetAsync("http://localhost/");
                try
                {
                    var text = await response.Content.ReadAsStringAsync();
                    response.Dispose();
                    return text;
                }
                catch (HttpRequestException)
                {
                    return "";
                }
            }

            async Task<string> Throws(HttpClient client)
            {
                var response = await client.GetAsync("http://localhost/");
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException();
                }

                response.Dispose();
                return "";
            }
        }
        """);

    [Fact]
    public Task Pattern_variables_are_followed() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task<bool> Disposed(HttpClient client)
            {
                if (await client.GetAsync("http://localhost/") is var response)
                {
                    response.Dispose();
                    return true;
                }

                return false;
            }

            // When the property pattern fails, nothing can dispose the response any more.
            async Task<bool> LeaksWhenThePatternFails(HttpClient client)
            {
                if (await [|client.GetAsync("http://localhost/")|] is { IsSuccessStatusCode: true } response)
                {
                    response.Dispose();
                    return true;
                }

                return false;
            }

            async Task<bool> Forgotten(HttpClient client) =>
                await [|client.GetAsync("http://localhost/")|] is HttpResponseMessage { IsSuccessStatusCode: true } response && response.Content.Headers.ContentLength > 0;
        }
        """);

    [Fact]
    public Task Returned_yielded_and_stored_are_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            private HttpResponseMessage? _last;
            private readonly List<HttpResponseMessage> _all = new();
            private readonly Dictionary<string, HttpResponseMessage> _byUrl = new();
            public HttpResponseMessage? Last { get; set; }

            Task<HttpResponseMessage> Direct(HttpClient client) => client.GetAsync("http://localhost/");

            async Task<HttpResponseMessage> Returned(HttpClient client)
            {
                var response = await client.GetAsync("http://localhost/");
                response.EnsureSuccessStatusCode();
                return response;
            }

            async Task<HttpResponseMessage> ReturnedFluent(HttpClient client)
            {
                var response = await client.GetAsync("http://localhost/");
                return response.EnsureSuccessStatusCode();
            }

            IEnumerable<HttpResponseMessage> Yielded(HttpClient client)
            {
                yield return client.Send(new HttpRequestMessage());
            }

            async Task Stored(HttpClient client, HttpResponseMessage[] slots)
            {
                _last = await client.GetAsync("http://localhost/");
                Last = await client.GetAsync("http://localhost/");
                slots[0] = await client.GetAsync("http://localhost/");
                var response = await client.GetAsync("http://localhost/");
                _all.Add(response);
                _byUrl["x"] = await client.GetAsync("http://localhost/");
            }

            bool TryGet(HttpClient client, out HttpResponseMessage response)
            {
                response = client.Send(new HttpRequestMessage());
                return true;
            }

            Task<HttpResponseMessage> NotAwaited(HttpClient client)
            {
                var pending = client.GetAsync("http://localhost/");
                return pending;
            }

            async Task<Func<string>> CapturedByReturnedLambda(HttpClient client)
            {
                var response = await client.GetAsync("http://localhost/");
                Func<string> describe = () => response.ReasonPhrase ?? "";
                return describe;
            }
        }
        """);

    [Fact]
    public Task Passed_to_an_owner_is_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Diagnostics.CodeAnalysis;
        using Microsoft.AspNetCore.Http;

        [AttributeUsage(AttributeTargets.Parameter)]
        sealed class TransferOwnershipAttribute : Attribute { }

        sealed class Holder : IDisposable
        {
            private readonly HttpResponseMessage _response;
            public Holder(HttpResponseMessage response) => _response = response;
            public void Dispose() => _response.Dispose();
        }

        sealed class Keeper
        {
            private readonly List<HttpResponseMessage> _kept = new();
            public void Keep(HttpResponseMessage response) => _kept.Add(response);
            public void Forward(HttpResponseMessage response) => Keep(response);
        }

        class C
        {
            async Task<Holder> Wrapped(HttpClient client) => new Holder(await client.GetAsync("http://localhost/"));

            async Task<StreamReader> Reader(HttpClient client)
            {
                var stream = await client.GetStreamAsync("http://localhost/");
                return new StreamReader(stream);
            }

            async Task<IResult> Streamed(HttpClient client)
            {
                var stream = await client.GetStreamAsync("http://localhost/");
                return Results.Stream(stream);
            }

            async Task Registered(HttpClient client, HttpContext context)
            {
                var response = await client.GetAsync("http://localhost/");
                context.Response.RegisterForDispose(response);
            }

            async Task Attributed(HttpClient client)
            {
                var response = await client.GetAsync("http://localhost/");
                Take(response);
            }

            static void Take([TransferOwnership] HttpResponseMessage response) { }

            async Task SameCompilationBody(HttpClient client, Keeper keeper)
            {
                var response = await client.GetAsync("http://localhost/");
                keeper.Forward(response);
                CloseQuietly(await client.GetAsync("http://localhost/"));
            }

            static void CloseQuietly(HttpResponseMessage response)
            {
                try { response.Dispose(); } catch { }
            }
        }
        """);

    [Fact]
    public Task Responses_that_are_not_created_here_are_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            private readonly HttpResponseMessage _cached = new();

            async Task<int> M(HttpResponseMessage response, IHttpClientFactory factory)
            {
                var stream = await response.Content.ReadAsStreamAsync();
                var client = factory.CreateClient();
                var text = await client.GetStringAsync("http://localhost/");
                var again = await _cached.Content.ReadAsStreamAsync();
                return stream.ReadByte() + text.Length + again.ReadByte();
            }

            async Task<int> DisposedResponse(HttpClient client)
            {
                using var response = await client.GetAsync("http://localhost/");
                var body = await response.Content.ReadAsStreamAsync();
                return body.ReadByte();
            }
        }
        """);

    [Fact]
    public Task Await_using_with_ConfigureAwait_is_disposal() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Text.Json;

        class C
        {
            async Task<T?> Read<T>(HttpClient client, CancellationToken token)
            {
                var stream = await client.GetStreamAsync("http://localhost/", token).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    return await JsonSerializer.DeserializeAsync<T>(stream, cancellationToken: token).ConfigureAwait(false);
                }
            }

            async Task<int> Declared(HttpClient client)
            {
                var stream = await client.GetStreamAsync("http://localhost/");
                await using var _ = stream.ConfigureAwait(false);
                return stream.ReadByte();
            }
        }
        """);

    [Fact]
    public Task A_method_returning_a_plain_task_does_not_take_ownership() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task<int> M(HttpClient client)
            {
                var response = await [|client.GetAsync("http://localhost/")|];
                await LogAsync(response);
                return (int)response.StatusCode;
            }

            static Task LogAsync(HttpResponseMessage response)
            {
                Console.WriteLine(response.StatusCode);
                return Task.CompletedTask;
            }
        }
        """);

    [Fact]
    public Task Callees_in_a_referenced_project_are_analyzed_without_crashing() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task<int> M(HttpClient client)
            {
                var response = await [|client.GetAsync("http://localhost/")|];
                return Library.Inspector.Status(response);
            }
        }
        """, test => test.ReferencedProjectSources.Add(("Inspector.cs", """
            namespace Library;

            public static class Inspector
            {
                public static int Status(System.Net.Http.HttpResponseMessage response) => (int)response.StatusCode;
            }
            """)));

    [Fact]
    public Task Readers_that_leave_the_stream_open_and_deserializers_only_read() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Text.Json;

        class C
        {
            async Task<string> LeftOpen(HttpClient client)
            {
                var stream = await [|client.GetStreamAsync("http://localhost/")|];
                using var reader = new StreamReader(stream, leaveOpen: true);
                return await reader.ReadToEndAsync();
            }

            async Task<T?> Deserialized<T>(HttpClient client)
            {
                var stream = await [|client.GetStreamAsync("http://localhost/")|];
                return await JsonSerializer.DeserializeAsync<T>(stream);
            }
        }
        """);

    [Fact]
    public Task HandlesResourceDisposal_parameters_and_ref_parameters_take_ownership() => VerifyAnalyzer.DiagnosticsAsync("""
        namespace Company.Annotations
        {
            [AttributeUsage(AttributeTargets.Parameter)]
            sealed class HandlesResourceDisposalAttribute : Attribute { }
        }

        class C
        {
            async Task Handled(HttpClient client)
            {
                var response = await client.GetAsync("http://localhost/");
                Close(response);
            }

            static void Close([Company.Annotations.HandlesResourceDisposal] HttpResponseMessage response) { }

            void Replace(HttpClient client, ref HttpResponseMessage? slot)
            {
                slot = client.Send(new HttpRequestMessage());
            }
        }
        """);

    [Fact]
    public Task Non_disposable_wrapper_does_not_take_ownership() => VerifyAnalyzer.DiagnosticsAsync("""
        sealed class StatusView
        {
            public StatusView(HttpResponseMessage response) => Code = (int)response.StatusCode;
            public int Code { get; }
        }

        class C
        {
            async Task<StatusView> M(HttpClient client) => new StatusView(await [|client.GetAsync("http://localhost/")|]);
        }
        """);

    // ---- Options ----------------------------------------------------------------------------

    [Fact]
    public Task Configured_disposing_method_counts_as_disposal() => VerifyAnalyzer.DiagnosticsAsync("""
        static class Http
        {
            public static void Release(HttpResponseMessage response) { }
        }

        class C
        {
            async Task M(HttpClient client)
            {
                var response = await client.GetAsync("http://localhost/");
                Http.Release(response);
            }

            async Task OnlySometimes(HttpClient client, bool flag)
            {
                var response = await [|client.GetAsync("http://localhost/")|];
                if (flag)
                {
                    Http.Release(response);
                }
            }
        }
        """, test => test.EditorConfig = "leak_analyzers.disposing_methods = Http.Release");

    [Fact]
    public Task Configured_ownership_transfer_method_is_an_escape() => VerifyAnalyzer.DiagnosticsAsync("""
        namespace Company.Http
        {
            static class Tracker
            {
                public static void Track(HttpResponseMessage response) { }
            }

            class C
            {
                async Task M(HttpClient client)
                {
                    var response = await client.GetAsync("http://localhost/");
                    Tracker.Track(response);
                }
            }
        }
        """, test => test.EditorConfig = "leak_analyzers.ownership_transfer_methods = Company.Http.Tracker.Track, Other");

    [Fact]
    public Task Severity_none_in_editorconfig_silences_the_rule() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task M(HttpClient client) => await client.PostAsync("http://localhost/", null);
        }
        """, test => test.EditorConfig = "dotnet_diagnostic.LEAK001.severity = none");

    [Fact]
    public Task Pragma_suppresses_the_rule() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task M(HttpClient client)
            {
        #pragma warning disable LEAK001
                await client.PostAsync("http://localhost/", null);
        #pragma warning restore LEAK001
            }
        }
        """);

    [Fact]
    public Task Generated_code_is_skipped() => VerifyAnalyzer.DiagnosticsAsync("""
        // <auto-generated/>
        class C
        {
            async Task M(HttpClient client) => await client.PostAsync("http://localhost/", null);
        }
        """);

    // ---- Broken code ------------------------------------------------------------------------

    [Theory]
    [InlineData("var response = await client.GetAsync(;")]
    [InlineData("var response = await client.GetAsync(\"u\")")]
    [InlineData("var response = await client.GetAsync(\"u\"); response.")]
    [InlineData("var response = await client.GetAsync(\"u\"); Missing(response);")]
    [InlineData("var response = await client.GetAsync(\"u\"); if (response != null { response.Dispose(); }")]
    [InlineData("await client.GetAsync(\"u\").Unknown().Dispose();")]
    [InlineData("var response = await client.GetAsync(\"u\"); try { } finally { response.Dispose(")]
    public async Task Incomplete_code_never_throws(string body)
    {
        await BrokenCode.NeverThrowsAsync<LeakAnalyzers.Rules.HttpResponseDisposalAnalyzer>("class C { async Task M(HttpClient client) { " + body + " } }");
    }

    // ---- Code fix ---------------------------------------------------------------------------

    [Fact]
    public Task Fix_removes_the_explicit_dispose_the_using_replaces() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task<string> M(HttpClient client)
            {
                HttpResponseMessage response = await [|client.GetAsync("http://localhost/")|];
                if (!response.IsSuccessStatusCode)
                {
                    return "";
                }

                var text = await response.Content.ReadAsStringAsync();

                // Done with the response.
                response.Dispose();
                return text;
            }

            async Task N(HttpClient client, bool check)
            {
                var response = await [|client.GetAsync("http://localhost/")|];
                if (check && !response.IsSuccessStatusCode)
                {
                    return;
                }

                response.Dispose();
            }
        }
        """, """
        class C
        {
            async Task<string> M(HttpClient client)
            {
                using HttpResponseMessage response = await client.GetAsync("http://localhost/");
                if (!response.IsSuccessStatusCode)
                {
                    return "";
                }

                var text = await response.Content.ReadAsStringAsync();

                // Done with the response.
                return text;
            }

            async Task N(HttpClient client, bool check)
            {
                using var response = await client.GetAsync("http://localhost/");
                if (check && !response.IsSuccessStatusCode)
                {
                    return;
                }
            }
        }
        """);


    [Fact]
    public Task Fix_adds_using_to_the_declaration() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task<string> M(HttpClient client)
            {
                // Fetch the page.
                var response = await [|client.GetAsync("http://localhost/")|]; // trailing
                return await response.Content.ReadAsStringAsync();
            }
        }
        """, """
        class C
        {
            async Task<string> M(HttpClient client)
            {
                // Fetch the page.
                using var response = await client.GetAsync("http://localhost/"); // trailing
                return await response.Content.ReadAsStringAsync();
            }
        }
        """);

    [Fact]
    public Task Fix_captures_a_discarded_result() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task M(HttpClient client, HttpContent content)
            {
                var response = 1;
                await [|client.PostAsync("http://localhost/", content)|];
                _ = await [|client.PutAsync("http://localhost/", content)|];
            }
        }
        """, """
        class C
        {
            async Task M(HttpClient client, HttpContent content)
            {
                var response = 1;
                using var response2 = await client.PostAsync("http://localhost/", content);
                using var response3 = await client.PutAsync("http://localhost/", content);
            }
        }
        """);

    [Fact]
    public Task Fix_captures_chained_use_before_the_statement() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task M(HttpClient client)
            {
                // Must succeed.
                (await [|client.GetAsync("http://localhost/")|]).EnsureSuccessStatusCode();
                if ((await [|client.GetAsync("http://localhost/b")|].ConfigureAwait(false)).IsSuccessStatusCode)
                    Console.WriteLine((await [|client.GetAsync("http://localhost/c")|]).StatusCode);
            }
        }
        """, """
        class C
        {
            async Task M(HttpClient client)
            {
                // Must succeed.
                using var response = await client.GetAsync("http://localhost/");
                response.EnsureSuccessStatusCode();
                using var response2 = await client.GetAsync("http://localhost/b").ConfigureAwait(false);
                if (response2.IsSuccessStatusCode)
                {
                    using var response3 = await client.GetAsync("http://localhost/c");
                    Console.WriteLine(response3.StatusCode);
                }
            }
        }
        """);

    [Fact]
    public Task Fix_in_CSharp_7_3_wraps_the_rest_of_the_scope() => VerifyFix.CodeFixAsync("""
        using System;
        using System.Net.Http;
        using System.Threading.Tasks;

        class C
        {
            async Task<string> M(HttpClient client)
            {
                var response = await [|client.GetAsync("http://localhost/")|];
                var text = await response.Content.ReadAsStringAsync();
                return text;
            }
        }
        """, """
        using System;
        using System.Net.Http;
        using System.Threading.Tasks;

        class C
        {
            async Task<string> M(HttpClient client)
            {
                using (var response = await client.GetAsync("http://localhost/"))
                {
                    var text = await response.Content.ReadAsStringAsync();
                    return text;
                }
            }
        }
        """, test => test.LanguageVersion = LanguageVersion.CSharp7_3);

    [Fact]
    public Task Fix_disposes_each_value_of_a_local_assigned_again() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task M(HttpClient client)
            {
                var response = await [|client.GetAsync("http://localhost/")|];
                response = await [|client.GetAsync("http://localhost/b")|];
            }
        }
        """, """
        class C
        {
            async Task M(HttpClient client)
            {
                var response = await client.GetAsync("http://localhost/");
                response.Dispose();
                using var response2 = await client.GetAsync("http://localhost/b");
            }
        }
        """);

    [Fact]
    public Task Fix_declares_a_using_local_for_the_last_value_of_a_local_and_renames_its_uses() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task<int> M(HttpClient client, bool retry)
            {
                var response = await client.GetAsync("http://localhost/");
                var status = (int)response.StatusCode;
                response.Dispose();
                if (retry)
                {
                    // once more
                    response = await [|client.GetAsync("http://localhost/b")|];
                    status = (int)response.StatusCode;
                }

                return status;
            }
        }
        """, """
        class C
        {
            async Task<int> M(HttpClient client, bool retry)
            {
                var response = await client.GetAsync("http://localhost/");
                var status = (int)response.StatusCode;
                response.Dispose();
                if (retry)
                {
                    // once more
                    using var response2 = await client.GetAsync("http://localhost/b");
                    status = (int)response2.StatusCode;
                }

                return status;
            }
        }
        """);

    [Fact]
    public Task Fix_is_not_offered_when_a_lambda_reads_the_reassigned_local() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task M(HttpClient client)
            {
                var response = await client.GetAsync("http://localhost/");
                response.Dispose();
                response = await [|client.GetAsync("http://localhost/b")|];
                await Task.Run(() => Console.WriteLine(response.StatusCode));
            }
        }
        """, """
        class C
        {
            async Task M(HttpClient client)
            {
                var response = await client.GetAsync("http://localhost/");
                response.Dispose();
                response = await [|client.GetAsync("http://localhost/b")|];
                await Task.Run(() => Console.WriteLine(response.StatusCode));
            }
        }
        """);

    [Fact]
    public Task Fix_is_not_offered_for_a_value_assigned_in_a_branch_and_read_after_it() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task M(HttpClient client, bool flag)
            {
                HttpResponseMessage? response = null;
                if (flag)
                {
                    response = await [|client.GetAsync("http://localhost/")|];
                }

                Console.WriteLine(response?.StatusCode);
            }
        }
        """, """
        class C
        {
            async Task M(HttpClient client, bool flag)
            {
                HttpResponseMessage? response = null;
                if (flag)
                {
                    response = await [|client.GetAsync("http://localhost/")|];
                }

                Console.WriteLine(response?.StatusCode);
            }
        }
        """);

    [Fact]
    public Task Fix_turns_expression_bodies_into_blocks() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task Post(HttpClient client) => await [|client.PostAsync("http://localhost/", null)|];

            async Task<int> Status(HttpClient client) => (int)(await [|client.GetAsync("http://localhost/")|]).StatusCode;

            void Register(List<Func<HttpClient, Task<bool>>> checks)
            {
                checks.Add(async client => (await [|client.GetAsync("http://localhost/")|]).IsSuccessStatusCode);
            }
        }
        """, """
        class C
        {
            async Task Post(HttpClient client)
            {
                using var response = await client.PostAsync("http://localhost/", null);
            }

            async Task<int> Status(HttpClient client)
            {
                using var response = await client.GetAsync("http://localhost/");
                return (int)response.StatusCode;
            }

            void Register(List<Func<HttpClient, Task<bool>>> checks)
            {
                checks.Add(async client =>
                {
                    using var response = await client.GetAsync("http://localhost/");
                    return response.IsSuccessStatusCode;
                });
            }
        }
        """);

    [Fact]
    public Task Fix_handles_blocking_waits_and_embedded_statements() => VerifyFix.CodeFixAsync("""
        class C
        {
            bool M(HttpClient client, bool flag)
            {
                var a = [|client.GetAsync("http://localhost/")|].Result;
                var b = [|client.GetAsync("http://localhost/")|].GetAwaiter().GetResult();
                if (flag)
                    _ = [|client.DeleteAsync("http://localhost/")|].Result;
                return a.IsSuccessStatusCode && b.IsSuccessStatusCode;
            }
        }
        """, """
        class C
        {
            bool M(HttpClient client, bool flag)
            {
                using var a = client.GetAsync("http://localhost/").Result;
                using var b = client.GetAsync("http://localhost/").GetAwaiter().GetResult();
                if (flag)
                {
                    using var response = client.DeleteAsync("http://localhost/").Result;
                }
                return a.IsSuccessStatusCode && b.IsSuccessStatusCode;
            }
        }
        """);

    [Fact]
    public Task Fix_turns_a_call_on_the_right_of_and_into_an_if() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task<bool> M(HttpClient client, bool flag)
            {
                // only when flag is set
                var ok = flag && (await [|client.GetAsync("http://localhost/")|]).IsSuccessStatusCode;
                return !ok;
            }
        }
        """, """
        class C
        {
            async Task<bool> M(HttpClient client, bool flag)
            {
                // only when flag is set
                var ok = flag;
                if (ok)
                {
                    using var response = await client.GetAsync("http://localhost/");
                    ok = response.IsSuccessStatusCode;
                }
                return !ok;
            }
        }
        """);

    [Fact]
    public Task Fix_turns_returned_branches_of_conditionals_and_or_into_ifs() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task<bool> Conditional(HttpClient client, bool flag, bool ok)
            {
                return flag ? (await [|client.GetAsync("http://localhost/")|]).IsSuccessStatusCode : ok; // cached
            }

            async Task<bool> Or(HttpClient client, bool ok)
            {
                return ok || (await [|client.GetAsync("http://localhost/")|]).IsSuccessStatusCode;
            }
        }
        """, """
        class C
        {
            async Task<bool> Conditional(HttpClient client, bool flag, bool ok)
            {
                if (flag)
                {
                    using var response = await client.GetAsync("http://localhost/");
                    return response.IsSuccessStatusCode;
                }

                return ok; // cached
            }

            async Task<bool> Or(HttpClient client, bool ok)
            {
                if (ok)
                {
                    return true;
                }

                using var response = await client.GetAsync("http://localhost/");
                return response.IsSuccessStatusCode;
            }
        }
        """);

    [Fact]
    public Task Fix_is_not_offered_for_a_call_in_a_loop_condition() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task M(HttpClient client)
            {
                while ((await [|client.GetAsync("http://localhost/")|]).IsSuccessStatusCode) { }
            }
        }
        """, """
        class C
        {
            async Task M(HttpClient client)
            {
                while ((await [|client.GetAsync("http://localhost/")|]).IsSuccessStatusCode) { }
            }
        }
        """);

    [Fact]
    public Task Fix_is_not_offered_for_a_call_in_a_conditional_passed_as_an_argument() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task M(HttpClient client, bool flag)
            {
                Console.WriteLine(flag ? (await [|client.GetAsync("http://localhost/")|]).StatusCode : 0);
            }
        }
        """, """
        class C
        {
            async Task M(HttpClient client, bool flag)
            {
                Console.WriteLine(flag ? (await [|client.GetAsync("http://localhost/")|]).StatusCode : 0);
            }
        }
        """);

    [Fact]
    public Task Fix_all_fixes_every_document() => VerifyFix.CodeFixAsync("""
        class A
        {
            async Task M(HttpClient client)
            {
                var first = await [|client.GetAsync("http://localhost/1")|];
                await [|client.DeleteAsync("http://localhost/2")|];
            }
        }
        """, """
        class A
        {
            async Task M(HttpClient client)
            {
                using var first = await client.GetAsync("http://localhost/1");
                using var response = await client.DeleteAsync("http://localhost/2");
            }
        }
        """, test =>
        {
            test.TestState.Sources.Add("""
            class B
            {
                async Task M(HttpClient client)
                {
                    (await [|client.GetAsync("http://localhost/3")|]).EnsureSuccessStatusCode();
                    (await [|client.GetAsync("http://localhost/4")|]).EnsureSuccessStatusCode();
                }
            }
            """);
            test.FixedState.Sources.Add("""
            class B
            {
                async Task M(HttpClient client)
                {
                    using var response = await client.GetAsync("http://localhost/3");
                    response.EnsureSuccessStatusCode();
                    using var response2 = await client.GetAsync("http://localhost/4");
                    response2.EnsureSuccessStatusCode();
                }
            }
            """);
        });
}
