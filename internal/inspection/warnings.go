package inspection

import "context"

// RerouteRequested re-routes at once the pending declarations of a change
// that queued its re-route in its own transaction (the storage's RequestRerouteAs
// with actor and why, as a regional warning does), then forgets the queued
// request. On failure the request stays queued and RunReroutes works it;
// the error says the re-route is pending, not that the change failed.
func (s *Service) RerouteRequested(ctx context.Context, targets []string, actor, why string) (int, error) {
	changed, err := s.rerouteTargets(ctx, targets, actor, why)
	if err != nil {
		return changed, err
	}
	return changed, s.Store.ForgetReroutes(ctx, why)
}
