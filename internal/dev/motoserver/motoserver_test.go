package motoserver_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

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
		motoserver.LocalAPIKeySecret:     motoserver.LocalAPIKey,
		motoserver.LocalSigningKeySecret: motoserver.LocalSigningKey,
	} {
		out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := aws.ToString(out.SecretString); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	ttl, err := dynamodb.NewFromConfig(cfg).DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(motoserver.LocalTable)})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(ttl.TimeToLiveDescription.AttributeName); got != "expires_at" {
		t.Errorf("TTL attribute = %q, want expires_at", got)
	}
	// PutSecret on an existing secret sets a new value.
	if err := motoserver.PutSecret(ctx, sm, motoserver.LocalAPIKeySecret, "rotated"); err != nil {
		t.Fatal(err)
	}
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(motoserver.LocalAPIKeySecret)})
	if err != nil || aws.ToString(out.SecretString) != "rotated" {
		t.Fatalf("after PutSecret: %v %v", aws.ToString(out.SecretString), err)
	}
}

func TestStartWithTable(t *testing.T) {
	s, db := motoserver.StartWithTable(t, "made")
	ctx := context.Background()
	// The returned client is the server's: a client built from s sees the
	// same table.
	desc, err := dynamodb.NewFromConfig(s.Config()).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("made")})
	if err != nil {
		t.Fatal(err)
	}
	if key := desc.Table.KeySchema; len(key) != 1 || aws.ToString(key[0].AttributeName) != "pk" {
		t.Errorf("key schema %+v, want pk alone", key)
	}
	ttl, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("made")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(ttl.TimeToLiveDescription.AttributeName); got != "expires_at" {
		t.Errorf("TTL attribute = %q, want expires_at", got)
	}
}

func TestEnvLookup(t *testing.T) {
	s := &motoserver.Server{Endpoint: "http://127.0.0.1:4566"}
	lookup := s.EnvLookup(map[string]string{"TICKETS_TABLE": "t", "AWS_REGION": "eu-west-1"})
	for name, want := range map[string]string{
		"AWS_ENDPOINT_URL":  "http://127.0.0.1:4566", // from Env
		"AWS_ACCESS_KEY_ID": "testing",               // from Env
		"TICKETS_TABLE":     "t",                     // extra
		"AWS_REGION":        "eu-west-1",             // extra wins over Env
		"UNSET_VARIABLE":    "",                      // in neither
	} {
		if got := lookup(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if got := s.EnvLookup(nil)("AWS_REGION"); got != "us-east-1" {
		t.Errorf("without extras AWS_REGION = %q, want Env's us-east-1", got)
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
	var mu sync.Mutex
	wins := 0
	for i := 0; i < racers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := db.PutItem(ctx, &dynamodb.PutItemInput{
				TableName:           aws.String("t"),
				Item:                map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "same"}},
				ConditionExpression: aws.String("attribute_not_exists(pk)"),
			})
			var failed *types.ConditionalCheckFailedException
			switch {
			case err == nil:
				mu.Lock()
				wins++
				mu.Unlock()
			case !errors.As(err, &failed):
				t.Errorf("PutItem: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d of %d racing conditional writes succeeded, want exactly 1", wins, racers)
	}
}
