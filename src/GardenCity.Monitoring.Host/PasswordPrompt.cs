using GardenCity.Monitoring.Core.Stations;
using Spectre.Console;

namespace GardenCity.Monitoring.Host;

/// <summary>
/// <c>gardencity registry hash-password</c>. In a terminal it asks for the password twice without echo (Spectre.Console,
/// the prompt on standard error so that the hash alone goes to standard output); otherwise it reads one line of standard
/// input (<c>echo "$PW" | gardencity registry hash-password</c>). The password is never written anywhere.
/// </summary>
internal static class PasswordPrompt
{
    public static int Run(TextReader input, TextWriter output, TextWriter error, bool interactive)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string? password;
        if (interactive)
        {
            // Sets the terminal up for key-by-key reading (no echo) before the prompt shows, so that a password typed
            // or pasted the moment the prompt appears is not echoed either.
            _ = Console.KeyAvailable;
            IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(error), Interactive = InteractionSupport.Yes });
            password = console.Prompt(new TextPrompt<string>("Station password:").Secret(null));
            string again = console.Prompt(new TextPrompt<string>("Again:").Secret(null));
            if (!string.Equals(password, again, StringComparison.Ordinal))
            {
                error.WriteLine("The two passwords differ; nothing was printed.");
                return ExitCodes.BadConfiguration;
            }
        }
        else
        {
            password = input.ReadLine();
        }

        if (string.IsNullOrEmpty(password))
        {
            error.WriteLine("No password given (type it at the prompt, or pipe it on standard input).");
            return ExitCodes.BadConfiguration;
        }

        output.WriteLine(PasswordHasher.Hash(password));
        return ExitCodes.Ok;
    }
}
