/**
 * Slipway's mark for the endpoint browser: a hull on its slipway, and the name. Inline SVG, so the
 * docs need no asset files and show nobody else's logo.
 */
export const SLIPWAY_LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="180" height="40" viewBox="0 0 180 40">
  <title>Slipway</title>
  <path d="M2 34 L38 20" stroke="#8fd3ff" stroke-width="3" stroke-linecap="round"/>
  <path d="M9 25 L31 17 L33 22 Q24 29 12 31 Z" fill="#ffffff"/>
  <text x="46" y="28" font-family="Helvetica, Arial, sans-serif" font-size="22" font-weight="700" fill="#ffffff">Slipway</text>
</svg>`;

/** The same hull alone, as the browser tab's icon. */
export const SLIPWAY_ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 40 40">
  <title>Slipway</title>
  <rect width="40" height="40" rx="8" fill="#0b3d5c"/>
  <path d="M4 33 L36 19" stroke="#8fd3ff" stroke-width="3" stroke-linecap="round"/>
  <path d="M9 25 L31 17 L33 22 Q24 29 12 31 Z" fill="#ffffff"/>
</svg>`;
