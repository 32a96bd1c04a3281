"""Draw the app's icons with Pillow: a white shield with a tick on the brand blue.

Run from the repo root after changing the drawing: `.venv/bin/python scripts/make_icons.py`.
Writes static/icons/ (committed): "any" icons with rounded corners, maskable icons whose
shield stays inside the 80% safe zone, the apple-touch-icon (opaque: iOS paints transparency
black) and a multi-size favicon.ico.
"""

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "static" / "icons"
BLUE = (11, 92, 173, 255)  # --accent in static/app.css
WHITE = (255, 255, 255, 255)
SUPERSAMPLE = 4  # draw large, then shrink: smooth edges without an anti-aliasing API


def _shield(draw: ImageDraw.ImageDraw, cx: float, cy: float, h: float) -> None:
    """A shield `h` high centred on (cx, cy), with a blue tick inside."""
    w = h * 0.8
    top, bottom = cy - h / 2, cy + h / 2
    left, right = cx - w / 2, cx + w / 2
    shoulder = top + h * 0.12
    waist = top + h * 0.55
    # Straight shoulders, then curved lower sides meeting at the point (quadratic Bézier).
    lower = []
    for i in range(1, 17):
        t = i / 16
        ctrl = (right, bottom - h * 0.12)
        x = (1 - t) ** 2 * right + 2 * (1 - t) * t * ctrl[0] + t * t * cx
        y = (1 - t) ** 2 * waist + 2 * (1 - t) * t * ctrl[1] + t * t * bottom
        lower.append((x, y))
    mirrored = [(2 * cx - x, y) for x, y in reversed(lower[:-1])]
    outline = [(cx, top), (right, shoulder), (right, waist), *lower, *mirrored, (left, waist),
               (left, shoulder)]
    draw.polygon(outline, fill=WHITE)
    stroke = max(1, round(h * 0.11))
    tick = [(cx - w * 0.27, cy + h * 0.02), (cx - w * 0.06, cy + h * 0.2), (cx + w * 0.3, cy - h * 0.16)]
    draw.line(tick, fill=BLUE, width=stroke, joint="curve")
    r = stroke / 2
    for x, y in (tick[0], tick[-1]):
        draw.ellipse([x - r, y - r, x + r, y + r], fill=BLUE)


def icon(size: int, *, maskable: bool = False, opaque: bool = False) -> Image.Image:
    """One square icon. Maskable and opaque icons fill the whole square with blue."""
    big = size * SUPERSAMPLE
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    if maskable or opaque:
        draw.rectangle([0, 0, big, big], fill=BLUE)
    else:
        draw.rounded_rectangle([0, 0, big - 1, big - 1], radius=big * 0.2, fill=BLUE)
    # Maskable: the launcher may crop to a circle of 80% of the width; keep the shield inside it.
    height = big * (0.5 if maskable else 0.66)
    _shield(draw, big / 2, big / 2, height)
    img = img.resize((size, size), Image.LANCZOS)
    return img.convert("RGB") if opaque else img


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        icon(size).save(OUT / f"icon-{size}.png", optimize=True)
        icon(size, maskable=True).save(OUT / f"icon-maskable-{size}.png", optimize=True)
    icon(180, opaque=True).save(OUT / "apple-touch-icon.png", optimize=True)
    icon(48).save(OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
    for path in sorted(OUT.iterdir()):
        print(path.relative_to(OUT.parent.parent), path.stat().st_size)


if __name__ == "__main__":
    main()
