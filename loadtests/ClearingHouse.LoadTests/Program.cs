using ClearingHouse.LoadTests.Cli;

return await LoadTestCommand.RunAsync(args);
