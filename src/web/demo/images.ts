/**
 * Product illustrations for the demo catalog (`/demo/images/{productId}.svg`): flat shapes in a warm
 * palette, 400×300, drawn here so the demo needs no image files or external assets.
 */
const bean = (x: number, y: number, angle: number, fill = '#6b3f22', crease = '#3d2414') =>
  `<g transform="translate(${x} ${y}) rotate(${angle})"><ellipse rx="11" ry="7.5" fill="${fill}"/>` +
  `<path d="M-8 0c4-2.5 12 2.5 16 0" stroke="${crease}" stroke-width="1.8" fill="none" stroke-linecap="round"/></g>`;

const ILLUSTRATIONS: Readonly<Record<string, string>> = {
  'house-blend':
    `<rect width="400" height="300" fill="#f3dcc4"/>` +
    `<ellipse cx="200" cy="262" rx="120" ry="12" fill="#e2c3a3"/>` +
    `<path d="M138 84h124l12 172H126z" fill="#c8955c"/>` +
    `<path d="M138 84h124l3 40H135z" fill="#b8844d"/>` +
    `<rect x="134" y="58" width="132" height="30" rx="4" fill="#a8743f"/>` +
    `<path d="M146 66v14M158 66v14M170 66v14M182 66v14M194 66v14M206 66v14M218 66v14M230 66v14M242 66v14M254 66v14" stroke="#8f6032" stroke-width="2"/>` +
    `<rect x="158" y="138" width="84" height="92" rx="8" fill="#fffaf3"/>` +
    `<circle cx="200" cy="170" r="20" fill="#2a211b"/>` +
    bean(200, 170, -35, '#c8793f', '#2a211b') +
    `<rect x="172" y="200" width="56" height="6" rx="3" fill="#2a211b"/>` +
    `<rect x="180" y="212" width="40" height="5" rx="2.5" fill="#b8a898"/>` +
    bean(92, 250, 20) +
    bean(118, 262, -15) +
    bean(300, 252, 35) +
    bean(322, 264, -10) +
    bean(288, 268, 70),
  'pour-over':
    `<rect width="400" height="300" fill="#e3e6d5"/>` +
    `<ellipse cx="200" cy="266" rx="110" ry="11" fill="#cdd2bc"/>` +
    `<path d="M146 170h108c6 34 2 64-14 92H160c-16-28-20-58-14-92z" fill="#e9eef0" stroke="#c9d3d6" stroke-width="3"/>` +
    `<path d="M150 212h100c0 18-4 34-12 50H162c-8-16-12-32-12-50z" fill="#6b3f22"/>` +
    `<path d="M254 186c26 0 30 46 0 52" stroke="#c9d3d6" stroke-width="8" fill="none" stroke-linecap="round"/>` +
    `<rect x="176" y="150" width="48" height="22" rx="4" fill="#f4efe6"/>` +
    `<path d="M132 66h136l-40 86h-56z" fill="#fffaf3" stroke="#dccfc0" stroke-width="3" stroke-linejoin="round"/>` +
    `<path d="M160 92h80M170 112h60" stroke="#eadfce" stroke-width="4" stroke-linecap="round"/>` +
    `<rect x="124" y="58" width="152" height="14" rx="7" fill="#c8663b"/>` +
    `<path d="M200 160c-3 6-5 10-5 13a5 5 0 0 0 10 0c0-3-2-7-5-13z" fill="#6b3f22"/>` +
    `<path d="M200 184c-2 4-3.5 7-3.5 9a3.5 3.5 0 0 0 7 0c0-2-1.5-5-3.5-9z" fill="#6b3f22"/>`,
  filters:
    `<rect width="400" height="300" fill="#f5e6c4"/>` +
    `<ellipse cx="200" cy="258" rx="128" ry="12" fill="#e6d1a4"/>` +
    `<path d="M88 96h120l-22 150h-76z" fill="#fbf5e8" stroke="#d8c3a0" stroke-width="3" stroke-linejoin="round" transform="rotate(-10 148 170)"/>` +
    `<path d="M192 96h120l-22 150h-76z" fill="#fbf5e8" stroke="#d8c3a0" stroke-width="3" stroke-linejoin="round" transform="rotate(10 252 170)"/>` +
    `<path d="M140 80h120l-22 170h-76z" fill="#fffaf3" stroke="#d8c3a0" stroke-width="3" stroke-linejoin="round"/>` +
    `<path d="M140 80h120" stroke="#c8663b" stroke-width="6" stroke-linecap="round"/>` +
    `<path d="M150 104h100M156 128h88M162 152h76M168 176h64M174 200h52M180 224h40" stroke="#efe3cc" stroke-width="3" stroke-linecap="round"/>` +
    `<path d="M162 250h76" stroke="#d8c3a0" stroke-width="3" stroke-linecap="round"/>`,
  'travel-mug':
    `<rect width="400" height="300" fill="#f1d5c8"/>` +
    `<ellipse cx="200" cy="266" rx="86" ry="11" fill="#e0bba9"/>` +
    `<path d="M178 50c-8 10 8 16 0 26M202 42c-8 10 8 16 0 26M226 50c-8 10 8 16 0 26" stroke="#fffaf3" stroke-width="4" fill="none" stroke-linecap="round"/>` +
    `<rect x="150" y="92" width="100" height="26" rx="10" fill="#4a3a2f"/>` +
    `<rect x="164" y="84" width="72" height="14" rx="7" fill="#3a2d24"/>` +
    `<rect x="210" y="87" width="18" height="6" rx="3" fill="#c8663b"/>` +
    `<path d="M156 116h88l-8 146a10 10 0 0 1-10 9h-52a10 10 0 0 1-10-9z" fill="#2a211b"/>` +
    `<path d="M159 168h82l-2 44h-78z" fill="#c8663b"/>` +
    `<path d="M172 128l4 132" stroke="#4a3d33" stroke-width="8" stroke-linecap="round"/>` +
    `<circle cx="200" cy="190" r="9" fill="#fffaf3"/>`,
};

/** The SVG document for a product image, or null for an unknown name. */
export function productImage(name: string): string | null {
  const shapes = Object.hasOwn(ILLUSTRATIONS, name) ? ILLUSTRATIONS[name] : undefined;
  if (shapes === undefined) return null;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300" width="400" height="300">${shapes}</svg>`;
}
