package motoserver

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
)

// TicketsTableID is the logical id of the tickets table in template.yaml.
const TicketsTableID = "TicketsTable"

// localStandIn is the local name, and for a secret the value, of one
// resource of template.yaml.
type localStandIn struct{ name, value string }

// standIns are the template's tables and secrets by logical id;
// ProvisionLocal refuses a resource missing here rather than leave it out.
var standIns = map[string]localStandIn{
	TicketsTableID:              {name: local.Table},
	"PeriskopeApiKeySecret":     {name: local.APIKeySecret, value: local.APIKey},
	"PeriskopeSigningKeySecret": {name: local.SigningKeySecret, value: local.SigningKey},
}

// LocalName is a deployment.Names of the local stand-ins: a table or
// secret's local name for a Ref, a local ARN for a GetAtt ….Arn.
func LocalName(ref string) (string, bool) {
	id, attr, isAttr := strings.Cut(ref, ".")
	s, ok := standIns[id]
	switch {
	case !ok:
		return "", false
	case !isAttr:
		return s.name, true
	case attr == "Arn" && id == TicketsTableID:
		return "arn:aws:dynamodb:" + local.Region + ":123456789012:table/" + s.name, true
	}
	return "", false
}

// Config returns SDK settings for s (local.AWSConfig at its endpoint).
func (s *Server) Config() aws.Config { return local.AWSConfig(s.Endpoint) }

// Env returns the environment a function needs to reach s through the SDK.
func (s *Server) Env() map[string]string {
	return map[string]string{
		"AWS_ENDPOINT_URL":      s.Endpoint,
		"AWS_REGION":            local.Region,
		"AWS_ACCESS_KEY_ID":     "testing",
		"AWS_SECRET_ACCESS_KEY": "testing",
		"AWS_SESSION_TOKEN":     "testing",
	}
}

// CreateTable creates template.yaml's tickets table (keys, indexes, TTL)
// under name.
func CreateTable(ctx context.Context, db *dynamodb.Client, name string) error {
	d, err := deployment.LoadFromWorkingDir()
	if err != nil {
		return err
	}
	table, err := d.Table(TicketsTableID)
	if err != nil {
		return err
	}
	return createTable(ctx, db, table, name)
}

func createTable(ctx context.Context, db *dynamodb.Client, table deployment.Table, name string) error {
	if _, err := db.CreateTable(ctx, table.CreateTableInput(name)); err != nil {
		return fmt.Errorf("create table %s (%s): %w", name, table.LogicalID, err)
	}
	if table.TTLAttribute == "" {
		return nil
	}
	_, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(table.TTLAttribute), Enabled: aws.Bool(true)},
	})
	if err != nil {
		return fmt.Errorf("enable TTL on %s: %w", name, err)
	}
	return nil
}

// PutSecret creates secret name with value, or sets a new value if it exists.
func PutSecret(ctx context.Context, sm *secretsmanager.Client, name, value string) error {
	_, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)})
	if err == nil {
		return nil
	}
	if _, putErr := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(value)}); putErr != nil {
		return fmt.Errorf("create secret %s: %w", name, err)
	}
	return nil
}

// LaunchLocal launches moto_server on addr, its output in a new file at
// logPath, and provisions it (ProvisionLocal).
func LaunchLocal(ctx context.Context, addr, logPath string) (*Server, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // moto_server keeps its own descriptor
	s, err := Launch(ctx, addr, logFile)
	if err != nil {
		return nil, fmt.Errorf("moto_server: %w (its log: %s)", err, logPath)
	}
	if err := s.ProvisionLocal(ctx); err != nil {
		s.Stop()
		return nil, fmt.Errorf("provisioning moto_server: %w", err)
	}
	return s, nil
}

// ProvisionLocal creates every table and secret template.yaml declares,
// under their local names, the secrets holding the local keys.
func (s *Server) ProvisionLocal(ctx context.Context) error {
	d, err := deployment.LoadFromWorkingDir()
	if err != nil {
		return err
	}
	tables, err := d.Tables()
	if err != nil {
		return err
	}
	secrets := d.Secrets()
	ids := slices.Clone(secrets)
	for _, t := range tables {
		ids = append(ids, t.LogicalID)
	}
	for _, id := range ids {
		if _, ok := standIns[id]; !ok {
			return fmt.Errorf("motoserver: template.yaml declares %s, which has no local stand-in: add it to standIns", id)
		}
	}
	cfg := s.Config()
	db := dynamodb.NewFromConfig(cfg)
	for _, t := range tables {
		if err := createTable(ctx, db, t, standIns[t.LogicalID].name); err != nil {
			return err
		}
	}
	sm := secretsmanager.NewFromConfig(cfg)
	for _, id := range secrets {
		if err := PutSecret(ctx, sm, standIns[id].name, standIns[id].value); err != nil {
			return err
		}
	}
	return nil
}
