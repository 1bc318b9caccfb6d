using ClearingHouse.Server.Hosting;

// appsettings.json ships beside the binary; relative paths in settings (Hub:DataDirectory) are
// relative to the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddClearingHouse();

var app = builder.Build();
app.MapClearingHouse();
return await app.RunClearingHouseAsync();

/// <summary>The server's entry point; public so tests can find the assembly.</summary>
public partial class Program;
