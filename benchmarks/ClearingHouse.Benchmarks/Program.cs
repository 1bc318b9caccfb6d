using BenchmarkDotNet.Running;

// One command runs them all: dotnet run -c Release --project benchmarks/ClearingHouse.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
