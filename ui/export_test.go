package ui

// SetPageCache turns the rendered-page cache on or off: benchmarks of
// rendering turn it off.
func (s *Server) SetPageCache(on bool) {
	s.pages = nil
	if on {
		s.pages = newPageCache(pageCacheBytes)
	}
}

// PageCacheHits is how many pages were sent from the cache.
func (s *Server) PageCacheHits() int64 {
	if s.pages == nil {
		return 0
	}
	return s.pages.hits.Load()
}
