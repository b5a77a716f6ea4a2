// Package benchkit holds what the benchmark programs, the load generator and
// the fault tests share.
package benchkit

// Target is a bootstrap the benchmarks build: a main package of the module.
type Target struct {
	Name    string // in reports, e.g. "webhook"
	Package string // relative to the module root, e.g. "./functions/webhook"
}

// The binaries measured. Hello is any Go function's floor: aws-lambda-go's
// hello world, built with the same flags. SDKFloor adds the functions' two
// AWS SDK clients: the floor the product can reach.
var (
	Hello                   = Target{Name: "hello (floor)", Package: "./bench/floor/hello"}
	SDKFloor                = Target{Name: "SDK floor", Package: "./bench/floor/sdk"}
	Webhook                 = Target{Name: "webhook", Package: "./functions/webhook"}
	CreateTicket            = Target{Name: "create-ticket", Package: "./functions/create-ticket"}
	CreateTicketLoadDefault = Target{Name: "create-ticket + LoadDefaultConfig", Package: "./bench/variants/create-ticket-loaddefault"}
)

// Reported are the binaries bench/size and bench/coldstart measure, in
// report order.
var Reported = []Target{Hello, SDKFloor, Webhook, CreateTicket, CreateTicketLoadDefault}

// Unjudged is the verdict of each Reported binary held to no goal.
var Unjudged = map[Target]string{Hello: "floor", SDKFloor: "floor", CreateTicketLoadDefault: "informative (not deployed)"}
