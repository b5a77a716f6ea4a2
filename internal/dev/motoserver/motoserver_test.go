package motoserver_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
)

func TestProvisionLocal(t *testing.T) {
	s := motoserver.Start(t)
	ctx := context.Background()
	if err := s.ProvisionLocal(ctx); err != nil {
		t.Fatal(err)
	}
	cfg := s.Config()
	sm := secretsmanager.NewFromConfig(cfg)
	for name, want := range map[string]string{
		local.APIKeySecret:     local.APIKey,
		local.SigningKeySecret: local.SigningKey,
	} {
		out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := aws.ToString(out.SecretString); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	assertTableIsTheTemplates(t, dynamodb.NewFromConfig(cfg), local.Table)
	// PutSecret on an existing secret sets a new value.
	if err := motoserver.PutSecret(ctx, sm, local.APIKeySecret, "rotated"); err != nil {
		t.Fatal(err)
	}
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(local.APIKeySecret)})
	if err != nil || aws.ToString(out.SecretString) != "rotated" {
		t.Fatalf("after PutSecret: %v %v", aws.ToString(out.SecretString), err)
	}
}

func TestStartWithTable(t *testing.T) {
	s, db := motoserver.StartWithTable(t, "made")
	ctx := context.Background()
	// The returned client is the server's: a client built from s sees the
	// same table.
	if _, err := dynamodb.NewFromConfig(s.Config()).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("made")}); err != nil {
		t.Fatal(err)
	}
	assertTableIsTheTemplates(t, db, "made")
}

// assertTableIsTheTemplates checks that table on moto has what template.yaml
// gives the tickets table: key schema, every global secondary index with its
// keys and projection, and the TTL attribute.
func assertTableIsTheTemplates(t *testing.T, db *dynamodb.Client, table string) {
	t.Helper()
	tmpl := ticketsTable(t)
	want := tmpl.CreateTableInput(table)
	if len(want.GlobalSecondaryIndexes) == 0 || tmpl.TTLAttribute == "" {
		t.Fatalf("template's %s has no index or no TTL: this test would prove little", motoserver.TicketsTableID)
	}
	ctx := context.Background()
	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := keys(desc.Table.KeySchema), keys(want.KeySchema); got != want {
		t.Errorf("key schema %s, want %s", got, want)
	}
	gotIndexes := map[string]types.GlobalSecondaryIndexDescription{}
	for _, gsi := range desc.Table.GlobalSecondaryIndexes {
		gotIndexes[aws.ToString(gsi.IndexName)] = gsi
	}
	if len(gotIndexes) != len(want.GlobalSecondaryIndexes) {
		t.Errorf("%d global secondary indexes, want %d", len(gotIndexes), len(want.GlobalSecondaryIndexes))
	}
	for _, w := range want.GlobalSecondaryIndexes {
		g, ok := gotIndexes[aws.ToString(w.IndexName)]
		if !ok {
			t.Errorf("index %s missing", aws.ToString(w.IndexName))
			continue
		}
		if got, want := keys(g.KeySchema), keys(w.KeySchema); got != want {
			t.Errorf("index %s keys %s, want %s", aws.ToString(w.IndexName), got, want)
		}
		if g.Projection == nil || g.Projection.ProjectionType != w.Projection.ProjectionType {
			t.Errorf("index %s projection %+v, want %s", aws.ToString(w.IndexName), g.Projection, w.Projection.ProjectionType)
		}
	}
	ttl, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(ttl.TimeToLiveDescription.AttributeName); got != tmpl.TTLAttribute {
		t.Errorf("TTL attribute = %q, want %q", got, tmpl.TTLAttribute)
	}
}

// ticketsTable is template.yaml's tickets table.
func ticketsTable(t *testing.T) deployment.Table {
	t.Helper()
	d, err := deployment.LoadFromWorkingDir()
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := d.Table(motoserver.TicketsTableID)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func keys(schema []types.KeySchemaElement) string {
	var b strings.Builder
	for _, k := range schema {
		fmt.Fprintf(&b, "%s:%s ", aws.ToString(k.AttributeName), k.KeyType)
	}
	return b.String()
}

// TestIndexKeysAreEnforced shows why the local table must carry the
// template's indexes: DynamoDB (and moto) refuse an item whose index key
// attribute is an empty string, which a table without the index accepts.
func TestIndexKeysAreEnforced(t *testing.T) {
	_, db := motoserver.StartWithTable(t, "enforced")
	tmpl := ticketsTable(t)
	gsi := tmpl.CreateTableInput("enforced").GlobalSecondaryIndexes[0]
	item := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "TICKET#o#t"}}
	for _, k := range gsi.KeySchema {
		item[aws.ToString(k.AttributeName)] = &types.AttributeValueMemberS{Value: ""}
	}
	_, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("enforced"), Item: item})
	var invalid interface{ ErrorCode() string }
	if !errors.As(err, &invalid) || invalid.ErrorCode() != "ValidationException" {
		t.Fatalf("PutItem with empty index keys: %v, want ValidationException", err)
	}
}

func TestEnv(t *testing.T) {
	env := (&motoserver.Server{Endpoint: "http://127.0.0.1:4566"}).Env()
	for name, want := range map[string]string{
		"AWS_ENDPOINT_URL":      "http://127.0.0.1:4566",
		"AWS_REGION":            "us-east-1",
		"AWS_ACCESS_KEY_ID":     "testing",
		"AWS_SECRET_ACCESS_KEY": "testing",
		"AWS_SESSION_TOKEN":     "testing",
	} {
		if got := env[name]; got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestStopKillsTheProcess(t *testing.T) {
	s := motoserver.Start(t)
	pid := s.PID()
	s.Stop()
	if err := syscall.Kill(pid, 0); err == nil {
		t.Fatalf("moto_server pid %d still exists after Stop", pid)
	}
	if _, err := http.Get(s.Endpoint); err == nil {
		t.Fatal("moto_server still answers after Stop")
	}
}

func TestLaunchRefusesABusyPort(t *testing.T) {
	s := motoserver.Start(t)
	if _, err := motoserver.Launch(context.Background(), s.Addr, nil); err == nil {
		t.Fatal("Launch on a port in use succeeded")
	}
}

// TestConditionalPutIsAtomic races conditional writes of one key: DynamoDB
// lets exactly one succeed, and so must the local stand-in.
func TestConditionalPutIsAtomic(t *testing.T) {
	_, db := motoserver.StartWithTable(t, "t")
	ctx := context.Background()
	const racers = 40
	var wg sync.WaitGroup
	var wins atomic.Int32
	for range racers {
		wg.Go(func() {
			_, err := db.PutItem(ctx, &dynamodb.PutItemInput{
				TableName:           aws.String("t"),
				Item:                map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "same"}},
				ConditionExpression: aws.String("attribute_not_exists(pk)"),
			})
			var failed *types.ConditionalCheckFailedException
			switch {
			case err == nil:
				wins.Add(1)
			case !errors.As(err, &failed):
				t.Errorf("PutItem: %v", err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d of %d racing conditional writes succeeded, want exactly 1", wins.Load(), racers)
	}
}
