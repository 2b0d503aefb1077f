using System.Diagnostics;
using System.Text;

namespace LeakAnalyzers.Tests.Infrastructure;

/// <summary>The outcome of one process run: exit code and the interleaved stdout/stderr.</summary>
public sealed record ProcessResult(string CommandLine, string WorkingDirectory, int ExitCode, string Output, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>Everything needed to diagnose a failure from an assertion message.</summary>
    public override string ToString() =>
        $"> {CommandLine}{Environment.NewLine}  (in {WorkingDirectory}, exit code {ExitCode}, {Elapsed.TotalSeconds:F1} s){Environment.NewLine}{Output}";
}

/// <summary>Runs command-line tools (mostly <c>dotnet</c>) with a timeout, capturing their output.</summary>
public static class ProcessRunner
{
    /// <summary>A hang guard, not a performance bound: a build or a dotnet format run on a loaded 2-core machine can take minutes.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(15);

    /// <summary>Runs <c>dotnet</c> isolated from the test host's MSBuild environment and without build servers.</summary>
    public static Task<ProcessResult> DotNetAsync(string workingDirectory, params string[] arguments) =>
        DotNetAsync(workingDirectory, DefaultTimeout, arguments);

    public static Task<ProcessResult> DotNetAsync(string workingDirectory, TimeSpan timeout, params string[] arguments) =>
        RunAsync("dotnet", arguments, workingDirectory, timeout, DotNetEnvironment);

    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        Action<IDictionary<string, string?>>? configureEnvironment = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        configureEnvironment?.Invoke(startInfo.Environment);
        var commandLine = string.Join(" ", startInfo.ArgumentList.Prepend(fileName).Select(a => a.Contains(' ') ? $"\"{a}\"" : a));

        var output = new StringBuilder();
        void Append(object _, DataReceivedEventArgs e)
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += Append;
        process.ErrorDataReceived += Append;
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var cancellation = new CancellationTokenSource(timeout);
        int exitCode;
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
            exitCode = process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            lock (output)
            {
                output.AppendLine($"*** killed after the {timeout.TotalSeconds:F0} s timeout ***");
            }

            exitCode = -1;
        }

        lock (output)
        {
            return new ProcessResult(commandLine, workingDirectory, exitCode, output.ToString(), stopwatch.Elapsed);
        }
    }

    /// <summary>The environment every child <c>dotnet</c> gets (also long-running ones, such as a language server).</summary>
    public static void DotNetEnvironment(IDictionary<string, string?> environment)
    {
        // `dotnet test` hands the test host MSBuild variables that point into its own build; a
        // child build must find its SDK by itself.
        foreach (var key in environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            environment.Remove(key);
        }

        // No build servers or reused nodes: they would outlive the test and hold its output pipes.
        environment["MSBUILDDISABLENODEREUSE"] = "1";
        environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        environment["UseSharedCompilation"] = "false";
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["DOTNET_NOLOGO"] = "1";
        environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
    }
}
