using ClearingHouse.Server.Hosting;

// --help, bad settings and busy ports end with one plain line and a documented exit code (ServerStartup.ExitCodes).
return await ServerStartup.RunAsync(args);

/// <summary>The server's entry point; public so tests can find the assembly.</summary>
public partial class Program;
