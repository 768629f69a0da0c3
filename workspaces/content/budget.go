package content

import (
	"context"
	"sync"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// decodeMemory is the memory all spreadsheet readers of the process may
// hold at once, by the estimate each makes before it starts (see
// Workbook.openExcelize). A reader that would pass it waits for others to
// finish, and is refused after budgetWait, so that many large workbooks
// opened together queue instead of exhausting the server.
var decodeMemory = &budget{capacity: 256 << 20}

// budgetWait is how long a reader waits for its share of decodeMemory.
const budgetWait = 15 * time.Second

// budget is a counting semaphore over bytes.
type budget struct {
	mu       sync.Mutex
	capacity int64
	used     int64
	freed    chan struct{} // closed when memory is released, if someone waits
}

// acquire waits until n bytes are free (or nothing is held, for a reader
// larger than the whole budget), for at most budgetWait.
func (b *budget) acquire(ctx context.Context, n int64) error {
	timer := time.NewTimer(budgetWait)
	defer timer.Stop()
	for {
		b.mu.Lock()
		if b.used == 0 || b.used+n <= b.capacity {
			b.used += n
			b.mu.Unlock()
			return nil
		}
		if b.freed == nil {
			b.freed = make(chan struct{})
		}
		freed := b.freed
		b.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			return airlock.Errorf(airlock.EUNAVAILABLE, "The server is busy reading other large spreadsheets; try again in a minute.")
		}
	}
}

// release returns n bytes.
func (b *budget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	if b.freed != nil {
		close(b.freed)
		b.freed = nil
	}
	b.mu.Unlock()
}
