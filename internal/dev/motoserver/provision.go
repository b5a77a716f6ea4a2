package motoserver

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Local resource names and values of the local system (design.md).
const (
	LocalTable            = "periskope-tickets"
	LocalAPIKeySecret     = "periskope/local/api-key"
	LocalAPIKey           = "local-api-key"
	LocalSigningKeySecret = "periskope/local/signing-key"
	LocalSigningKey       = "local-signing-key"
)

// Config returns SDK settings for s: a fixed region and dummy credentials,
// which moto accepts.
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.Endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing", Source: "moto"}, nil
		}),
	}
}

// Env returns the environment a function needs to reach s through the SDK.
func (s *Server) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + s.Endpoint,
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=testing",
		"AWS_SECRET_ACCESS_KEY=testing",
		"AWS_SESSION_TOKEN=testing",
	}
}

// EnvLookup returns a lookup, as os.Getenv, over Env with extra on top: the
// environment a function reads to reach s, plus the test's own variables.
// Names in neither are empty.
func (s *Server) EnvLookup(extra map[string]string) func(string) string {
	vars := map[string]string{}
	for _, kv := range s.Env() {
		name, value, _ := strings.Cut(kv, "=")
		vars[name] = value
	}
	maps.Copy(vars, extra)
	return func(name string) string { return vars[name] }
}

// CreateTable creates the tickets table as template.yaml defines it: a
// string partition key pk, on-demand, TTL on expires_at.
func CreateTable(ctx context.Context, db *dynamodb.Client, name string) error {
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	_, err = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("expires_at"), Enabled: aws.Bool(true)},
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

// ProvisionLocal creates the local system's table and secrets on s.
func (s *Server) ProvisionLocal(ctx context.Context) error {
	cfg := s.Config()
	if err := CreateTable(ctx, dynamodb.NewFromConfig(cfg), LocalTable); err != nil {
		return err
	}
	sm := secretsmanager.NewFromConfig(cfg)
	if err := PutSecret(ctx, sm, LocalAPIKeySecret, LocalAPIKey); err != nil {
		return err
	}
	return PutSecret(ctx, sm, LocalSigningKeySecret, LocalSigningKey)
}
