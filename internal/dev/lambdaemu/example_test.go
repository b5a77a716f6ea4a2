package lambdaemu_test

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/lambdaemu"
)

// Run a bootstrap binary as Lambda would and invoke it once.
func ExampleFunction_Invoke() {
	fn, err := lambdaemu.New(lambdaemu.Config{
		Name:         "EchoFunction",
		Executable:   echoBootstrap, // e.g. bin/local/echo/bootstrap
		Timeout:      10 * time.Second,
		MaxInstances: 2,
		Env:          map[string]string{"TICKETS_TABLE": "periskope-tickets"},
		Output:       io.Discard, // default: os.Stderr, lines prefixed with [EchoFunction]
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer fn.Close()

	res, err := fn.Invoke(context.Background(), []byte(`{"hello":"lambda"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(res.Payload), res.Error == nil)
	// Output: {"hello":"lambda"} true
}
