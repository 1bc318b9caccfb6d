namespace ClearingHouse.OperatorConsole.Hosting;

/// <summary>The console's one style sheet, served from <c>/console.css</c> (the CSP allows no inline style).</summary>
internal static class ConsoleStyle
{
    internal const string Css = """
        body { font-family: system-ui, sans-serif; margin: 0; color: #1b1f23; background: #f6f8fa; }
        header { background: #0b3d5c; color: #fff; padding: .6em 1.2em; display: flex; gap: 1.2em; align-items: center; flex-wrap: wrap; }
        header a { color: #fff; text-decoration: none; } header a:hover { text-decoration: underline; }
        header .brand { font-weight: bold; margin-right: 1em; }
        header form { margin-left: auto; }
        main { padding: 1em 1.5em; max-width: 80em; }
        h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.5em; }
        table { border-collapse: collapse; background: #fff; margin: .5em 0; }
        th, td { border: 1px solid #d0d7de; padding: .3em .6em; text-align: left; vertical-align: top; }
        th { background: #eaeef2; }
        .notice { background: #dafbe1; border: 1px solid #4ac26b; padding: .5em 1em; }
        .error { background: #ffebe9; border: 1px solid #ff8182; padding: .5em 1em; }
        .mismatch { background: #fff8c5; }
        form.inline { display: inline; }
        fieldset { background: #fff; border: 1px solid #d0d7de; margin: .8em 0; }
        label { display: inline-block; margin: .2em .6em .2em 0; }
        input[type=text], input[type=password], select { padding: .2em; }
        input[name=reason] { width: 30em; }
        pre { background: #fff; border: 1px solid #d0d7de; padding: .5em; white-space: pre-wrap; word-break: break-all; max-width: 70em; }
        .muted { color: #57606a; }
        .badge { color: #3b2300; background: #fff8c5; border: 1px solid #d4a72c; padding: 0 .5em; border-radius: 1em; font-size: .85em; }
        """;
}
