package checks

import "slices"

// Background runs a Checker on a goroutine of its own, fed in batches of
// rows, so that the checks use a second core while the caller reads,
// parses and summarises the table. Add copies the row slice but keeps its
// strings, which Go never changes. Call Result exactly once, also when
// the caller stops early, to end the goroutine.
type Background struct {
	c      *Checker
	cur    *rowBatch
	work   chan *rowBatch
	free   chan *rowBatch
	done   chan struct{}
	result *Result
}

// rowBatch holds rows as one run of cells, their numbers (zero, which
// AddNumbers takes as not read, for rows given to Add) and where each row
// ends.
type rowBatch struct {
	cells []string
	nums  []Number
	ends  []int
}

// A batch is handed over at batchRows rows or batchCells cells, whichever
// comes first: counting rows alone, five batches of a sheet padded to
// 16,384 columns held 40 million cells, over 1 GB.
const (
	batchRows    = 512
	batchCells   = 1 << 16
	batchesAhead = 4
)

// InBackground starts c on its own goroutine. c must not be used
// directly afterwards.
func (c *Checker) InBackground() *Background {
	b := &Background{c: c, work: make(chan *rowBatch, batchesAhead), free: make(chan *rowBatch, batchesAhead+1), done: make(chan struct{})}
	for range batchesAhead + 1 {
		b.free <- &rowBatch{}
	}
	b.cur = <-b.free
	go func() {
		defer close(b.done)
		for rb := range b.work {
			start := 0
			for _, end := range rb.ends {
				c.AddNumbers(rb.cells[start:end], rb.nums[start:end])
				start = end
			}
			rb.cells, rb.nums, rb.ends = rb.cells[:0], rb.nums[:0], rb.ends[:0]
			b.free <- rb
		}
		b.result = c.Result()
	}()
	return b
}

// Add hands one data row to the checker.
func (b *Background) Add(row []string) {
	b.cur.nums = append(b.cur.nums, make([]Number, len(row))...)
	b.add(row)
}

// AddNumbers hands one data row to the checker with its cells read as
// numbers (see Checker.AddNumbers). It copies nums.
func (b *Background) AddNumbers(row []string, nums []Number) {
	b.cur.nums = append(b.cur.nums, nums...)
	b.add(row)
}

// NumberFields is any type with the fields of Number, such as package
// content's Number, which the checks do not import.
type NumberFields interface {
	~struct {
		Value    float64
		Decimals int16
		OK       bool
		Int      bool
		Padded   bool
	}
}

// AddNumbersOf is b.AddNumbers for numbers of any type with Number's
// fields, converted as they are copied into the batch: a statistics pass
// hands every row over, and converting them into a slice of its own first
// would copy each number twice on the reading goroutine.
func AddNumbersOf[N NumberFields](b *Background, row []string, nums []N) {
	rb := b.cur
	start := len(rb.nums)
	rb.nums = slices.Grow(rb.nums, len(nums))[:start+len(nums)]
	for i, n := range nums {
		rb.nums[start+i] = Number(n)
	}
	b.add(row)
}

func (b *Background) add(row []string) {
	b.cur.cells = append(b.cur.cells, row...)
	b.cur.ends = append(b.cur.ends, len(b.cur.cells))
	if len(b.cur.ends) == batchRows || len(b.cur.cells) >= batchCells {
		b.work <- b.cur
		b.cur = <-b.free
	}
}

// Result waits for the checker to finish the rows handed over and returns
// its result.
func (b *Background) Result() *Result {
	if b.cur != nil {
		if len(b.cur.ends) > 0 {
			b.work <- b.cur
		}
		b.cur = nil
		close(b.work)
	}
	<-b.done
	return b.result
}
