package gateway_test

import (
	"os"
	"testing"

	"github.com/jjj/gateway/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
