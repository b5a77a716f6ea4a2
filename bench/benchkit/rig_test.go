package benchkit

import (
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/sandbox"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
)

// A rig's function is the template's: its timeout, memory, environment, the
// AWS endpoint asked for, and for create-ticket the rig's sandbox and phone.
func TestRigFunctionIsTheTemplates(t *testing.T) {
	sb, err := sandbox.Listen("127.0.0.1:0", sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	d, err := deployment.LoadFromWorkingDir()
	if err != nil {
		t.Fatal(err)
	}
	r := &Rig{Deployment: d, Sandbox: sb, Emulator: "rie", Bootstraps: map[Target]string{CreateTicket: "ct", Webhook: "wh"}}

	cfg, spec, err := r.Function(stack.CreateTicketFunction, CreateTicket, "http://aws.test")
	if err != nil {
		t.Fatal(err)
	}
	if spec.Name != stack.CreateTicketFunction || cfg.Name != spec.Name || cfg.Emulator != "rie" || cfg.Bootstrap != "ct" ||
		cfg.Timeout != spec.Timeout || cfg.Timeout < time.Second || cfg.MemoryMB != spec.Memory || spec.Memory == 0 {
		t.Errorf("create-ticket config %+v, spec %+v", cfg, spec)
	}
	if e := cfg.Env; e["AWS_ENDPOINT_URL"] != "http://aws.test" || e["PERISKOPE_BASE_URL"] != sb.BaseURL() || e["PERISKOPE_PHONE"] != local.Phone || e["PERISKOPE_API_KEY_SECRET"] == "" {
		t.Errorf("create-ticket environment %v", e)
	}

	cfg, _, err = r.Function(stack.WebhookFunction, Webhook, "http://moto.test")
	if err != nil {
		t.Fatal(err)
	}
	if e := cfg.Env; cfg.Bootstrap != "wh" || e["AWS_ENDPOINT_URL"] != "http://moto.test" || e["PERISKOPE_SIGNING_KEY_SECRET"] == "" || e["PERISKOPE_BASE_URL"] != "" {
		t.Errorf("webhook config %+v", cfg)
	}
}
