package ui

// SetPageCache turns the rendered-page cache on or off: benchmarks of
// rendering turn it off.
func (s *Server) SetPageCache(on bool) {
	s.pages = nil
	if on {
		s.pages = newPageCache(pageCacheBytes)
	}
}
