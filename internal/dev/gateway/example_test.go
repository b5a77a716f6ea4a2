package gateway_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/periskope-connect/periskope-aws/internal/dev/gateway"
)

// A function that returns JSON without a statusCode gets HTTP API's
// "format inference": 200, application/json, its result as the body.
func ExampleWriteResponse() {
	w := httptest.NewRecorder()
	_, _ = gateway.WriteResponse(w, []byte(`{"message":"Hello from Lambda!"}`))
	fmt.Println(w.Code, w.Header().Get("Content-Type"), w.Body.String())

	w = httptest.NewRecorder()
	_, _ = gateway.WriteResponse(w, []byte(`{"statusCode":201,"cookies":["session=1"],"body":"created"}`))
	fmt.Println(w.Code, w.Header().Get("Set-Cookie"), w.Body.String())
	// Output:
	// 200 application/json {"message":"Hello from Lambda!"}
	// 201 session=1 created
}
