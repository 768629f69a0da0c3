package content

import (
	"image"
	_ "image/jpeg" // image.DecodeConfig for JPEG previews
	_ "image/png"  // image.DecodeConfig for PNG previews
	"io"
	"strings"

	"github.com/airlock-project/airlock/airlock"
)

// MaxImagePixels is the largest image shown. A browser decodes every pixel
// into 4 bytes, so a PNG of a few hundred bytes declaring 100,000 ×
// 100,000 pixels would ask the reviewer's browser for 40 GB. 100
// megapixels (400 MB decoded) is far beyond any figure's needs: a page
// printed at 300 dpi is 9 megapixels.
const MaxImagePixels = 100_000_000

// ImageHeader is what a PNG or JPEG declares about itself.
type ImageHeader struct {
	Format        string // "PNG" or "JPEG"
	Width, Height int
}

// ReadImageHeader reads an image's header only, never its pixels, and
// checks its declared size. A damaged image, or one larger than
// MaxImagePixels, is an EINVALID error whose message says why it cannot be
// shown.
func ReadImageHeader(r io.Reader) (ImageHeader, error) {
	cfg, format, err := image.DecodeConfig(r)
	if err != nil {
		return ImageHeader{}, airlock.Errorf(airlock.EINVALID, "This image is damaged and cannot be shown: %s.", err)
	}
	h := ImageHeader{Format: strings.ToUpper(format), Width: cfg.Width, Height: cfg.Height}
	if px := int64(cfg.Width) * int64(cfg.Height); px > MaxImagePixels {
		return h, airlock.Errorf(airlock.EINVALID,
			"This image declares %s × %s pixels (%s megapixels), more than the %d megapixels a browser can show safely, so it is not shown. Ask for a smaller version of it.",
			formatThousands(int64(cfg.Width)), formatThousands(int64(cfg.Height)), formatThousands(px/1_000_000), MaxImagePixels/1_000_000)
	}
	return h, nil
}
