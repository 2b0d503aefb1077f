using Xunit;
using VerifyAnalyzer = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.TimeoutAbandonsWorkAnalyzer>;

namespace LeakAnalyzers.Tests.Rules;

/// <summary>LEAK006's boundary for races whose delay is not a timeout: the work is waited on again when the delay wins.</summary>
public sealed class HedgedRaceTests
{
    [Fact]
    public Task A_hedged_request_that_still_waits_for_the_first_attempt_is_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Net.Http.Json;

        class Prices
        {
            async Task<decimal> HedgedAsync(HttpClient http, string sku)
            {
                var primary = http.GetFromJsonAsync<decimal>("https://eu/" + sku);
                if (await Task.WhenAny(primary, Task.Delay(150)) == primary)
                {
                    return await primary;
                }

                var hedge = http.GetFromJsonAsync<decimal>("https://us/" + sku);
                var winner = await Task.WhenAny(primary, hedge);
                return await winner;
            }

            async Task<string> SlowIsLoggedAsync(HttpClient http)
            {
                var work = http.GetStringAsync("https://a/");
                if (await Task.WhenAny(work, Task.Delay(100)) != work)
                {
                    Console.WriteLine("still waiting");
                    return await work;
                }

                return work.Result;
            }
        }
        """);

    [Fact]
    public Task A_race_whose_delay_path_never_waits_for_the_work_again_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Net.Http.Json;

        class Prices
        {
            async Task<decimal> TimeoutAsync(HttpClient http, string sku)
            {
                var primary = http.GetFromJsonAsync<decimal>("https://eu/" + sku);
                if (await [|Task.WhenAny(primary, Task.Delay(150))|] != primary)
                {
                    throw new TimeoutException();
                }

                // Waited on again, but only on the path where it won.
                return await primary;
            }

            async Task<decimal?> FallbackAsync(HttpClient http, string sku)
            {
                var primary = http.GetFromJsonAsync<decimal>("https://eu/" + sku);
                if (await [|Task.WhenAny(primary, Task.Delay(150))|] == primary)
                {
                    return await primary;
                }

                return null;
            }
        }
        """);

    [Fact]
    public Task A_race_whose_delay_path_waits_again_for_only_some_of_the_work_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Net.Http.Json;

        class Prices
        {
            async Task<decimal> EuOrSlowAsync(HttpClient http, string sku)
            {
                var eu = http.GetFromJsonAsync<decimal>("https://eu/" + sku);
                var us = http.GetFromJsonAsync<decimal>("https://us/" + sku);
                if (await [|Task.WhenAny(eu, us, Task.Delay(150))|] != eu)
                {
                    Console.WriteLine("slow");
                }

                return await eu;
            }
        }
        """);
}
