// Package lambdaemu runs real Lambda "bootstrap" binaries on the local
// machine behind an emulation of the Lambda Runtime API (version 2018-06-01),
// with no Docker and no AWS account.
//
// A Function is a pool of warm processes of one binary. Each process gets its
// own Runtime API endpoint on 127.0.0.1 (AWS_LAMBDA_RUNTIME_API), so an
// invocation is always answered by the process it was handed to. The pool
// grows on demand up to Config.MaxInstances, like Lambda scaling out with cold
// starts, and queues invocations once every process is busy.
//
// As on Lambda:
//   - the function timeout starts when the event is handed out by
//     /runtime/invocation/next; a process that overruns it is killed and the
//     invocation fails with errorType "Sandbox.Timedout";
//   - a process that dies fails its in-flight invocation with
//     "Runtime.ExitError" and is replaced;
//   - a process that exits or reports /runtime/init/error before its first
//     /next fails the waiting invocation with that init error, and the next
//     invocation starts a fresh process (init is retried).
//
// Hooks report each process's PID, its init duration (start to first /next)
// and its time to first response, for benchmarks and RSS sampling.
package lambdaemu
