package deployment

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Table is one AWS::DynamoDB::Table of the stack: what CreateTable and
// UpdateTimeToLive need to make the same table elsewhere.
type Table struct {
	LogicalID    string // TicketsTable
	TTLAttribute string // the attribute DynamoDB expires items by, or ""

	props tableProperties
}

// tableProperties are the AWS::DynamoDB::Table properties that shape the
// data. CloudFormation names them as the DynamoDB API does, so the SDK's
// own types decode them; an intrinsic inside one of them fails the decode
// instead of being dropped.
type tableProperties struct {
	AttributeDefinitions    []types.AttributeDefinition
	KeySchema               []types.KeySchemaElement
	GlobalSecondaryIndexes  []types.GlobalSecondaryIndex
	LocalSecondaryIndexes   []types.LocalSecondaryIndex
	BillingMode             types.BillingMode
	ProvisionedThroughput   *types.ProvisionedThroughput
	TimeToLiveSpecification *struct {
		AttributeName string
		Enabled       bool
	}
}

// Tables returns the stack's DynamoDB tables, sorted by logical id.
func (d *Deployment) Tables() ([]Table, error) {
	return readAll(d, "AWS::DynamoDB::Table", d.Table)
}

// Table returns the table called logicalID.
func (d *Deployment) Table(logicalID string) (Table, error) {
	r, ok := d.translated[logicalID]
	if !ok || r.Type != "AWS::DynamoDB::Table" {
		return Table{}, fmt.Errorf("deployment: template.yaml has no table %s", logicalID)
	}
	var p tableProperties
	if err := json.Unmarshal(r.Properties, &p); err != nil {
		return Table{}, fmt.Errorf("deployment: table %s: %w", logicalID, err)
	}
	t := Table{LogicalID: logicalID, props: p}
	if ttl := p.TimeToLiveSpecification; ttl != nil && ttl.Enabled {
		t.TTLAttribute = ttl.AttributeName
	}
	return t, nil
}

// CreateTableInput is the request that creates t under name.
func (t Table) CreateTableInput(name string) *dynamodb.CreateTableInput {
	p := t.props
	return &dynamodb.CreateTableInput{
		TableName:              aws.String(name),
		AttributeDefinitions:   p.AttributeDefinitions,
		KeySchema:              p.KeySchema,
		GlobalSecondaryIndexes: p.GlobalSecondaryIndexes,
		LocalSecondaryIndexes:  p.LocalSecondaryIndexes,
		BillingMode:            p.BillingMode,
		ProvisionedThroughput:  p.ProvisionedThroughput,
	}
}
