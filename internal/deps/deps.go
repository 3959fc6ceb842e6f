package deps

import (
	_ "github.com/beevik/etree"
	_ "github.com/chromedp/chromedp"
	_ "github.com/hashicorp/go-retryablehttp"
	_ "github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
	_ "github.com/oklog/ulid/v2"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
	_ "github.com/sony/gobreaker/v2"
	_ "golang.org/x/text/encoding/simplifiedchinese"
)
