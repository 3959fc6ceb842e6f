package outbox

import dto "github.com/prometheus/client_model/go"

// DeliveriesCounted returns the deliveries counted with outcome.
func DeliveriesCounted(m *Metrics, outcome string) float64 {
	var out dto.Metric
	if err := m.deliveries.WithLabelValues(outcome).Write(&out); err != nil {
		return -1
	}
	return out.GetCounter().GetValue()
}
