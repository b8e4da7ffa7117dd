using BenchmarkDotNet.Running;

// Micro-benchmarks of the reading path; bench/README.md says how to run them and keeps the results.
BenchmarkSwitcher.FromAssembly(typeof(GardenCity.Monitoring.Benchmarks.Fleet).Assembly).Run(args);
