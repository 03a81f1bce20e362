import type { Entity, Game, Point } from './game';
import { REGION_SIZE } from './wire';
import { topTileId } from './tiles';

/** Pixels per tile on the canvas. */
export const TILE_PX = 16;

/** Base colours of the built-in map's tile ids (grass 1, wall 2); other ids get a colour from their number. */
const KNOWN_TILES: Record<number, [number, number, number]> = {
  1: [74, 140, 66],
  2: [112, 108, 100],
};

function tileColour(id: number): [number, number, number] {
  const known = KNOWN_TILES[id];
  if (known) return known;
  const hue = (id * 137.508) % 360;
  // A fixed saturation and lightness, converted to RGB (no string parsing per frame).
  const s = 0.35;
  const l = 0.45;
  const k = (n: number) => (n + hue / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return [Math.round(f(0) * 255), Math.round(f(8) * 255), Math.round(f(4) * 255)];
}

/** A small stable per-tile variation, so that tiles read as tiles. */
function hash(x: number, y: number): number {
  let h = (x * 374761393 + y * 668265263) | 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967295;
}

/** Where the camera looks (tile coordinates of the canvas centre): the player, as drawn. */
export function cameraCentre(game: Game, now: number): Point {
  const at = game.drawPosition(game.self, now);
  return { x: at.x + 0.5, y: at.y + 0.5 };
}

/** Canvas pixel to tile. */
export function tileAt(canvas: HTMLCanvasElement, game: Game, clientX: number, clientY: number, now: number): Point {
  const rect = canvas.getBoundingClientRect();
  const px = ((clientX - rect.left) / rect.width) * canvas.width;
  const py = ((clientY - rect.top) / rect.height) * canvas.height;
  const centre = cameraCentre(game, now);
  return {
    x: Math.floor(centre.x + (px - canvas.width / 2) / TILE_PX),
    y: Math.floor(centre.y + (py - canvas.height / 2) / TILE_PX),
  };
}

/** Draws the tiles around the player, region borders and ids, every player, names and chat bubbles. */
export function draw(ctx: CanvasRenderingContext2D, game: Game, now: number): void {
  const { width, height } = ctx.canvas;
  ctx.fillStyle = '#0b0d12';
  ctx.fillRect(0, 0, width, height);
  if (game.self.x < 0) {
    ctx.fillStyle = '#c8ccd4';
    ctx.font = '16px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.fillText(game.closed ? game.closed.message : 'Connecting…', width / 2, height / 2);
    return;
  }
  const centre = cameraCentre(game, now);
  const left = centre.x - width / 2 / TILE_PX;
  const top = centre.y - height / 2 / TILE_PX;
  const toPx = (x: number, y: number): [number, number] => [Math.round((x - left) * TILE_PX), Math.round((y - top) * TILE_PX)];
  const x0 = Math.floor(left);
  const y0 = Math.floor(top);
  const x1 = Math.ceil(left + width / TILE_PX);
  const y1 = Math.ceil(top + height / TILE_PX);

  // Tiles: void (never sent) stays dark; blocked tiles are darker and crossed.
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const tile = game.tiles.get(x, y);
      if (!tile) continue;
      const id = topTileId(tile.data);
      const [r, g, b] = tileColour(id);
      const shade = 0.9 + hash(x, y) * 0.2 - (tile.blocked ? 0.25 : 0);
      const [px, py] = toPx(x, y);
      ctx.fillStyle = `rgb(${Math.min(255, r * shade) | 0},${Math.min(255, g * shade) | 0},${Math.min(255, b * shade) | 0})`;
      ctx.fillRect(px, py, TILE_PX, TILE_PX);
      if (tile.blocked) {
        ctx.strokeStyle = 'rgba(0,0,0,0.35)';
        ctx.lineWidth = 1;
        ctx.beginPath();
        ctx.moveTo(px + 3, py + 3);
        ctx.lineTo(px + TILE_PX - 3, py + TILE_PX - 3);
        ctx.moveTo(px + TILE_PX - 3, py + 3);
        ctx.lineTo(px + 3, py + TILE_PX - 3);
        ctx.stroke();
      }
    }
  }

  // A faint tile grid.
  ctx.strokeStyle = 'rgba(0,0,0,0.10)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let x = x0; x <= x1; x++) {
    const [px] = toPx(x, 0);
    ctx.moveTo(px + 0.5, 0);
    ctx.lineTo(px + 0.5, height);
  }
  for (let y = y0; y <= y1; y++) {
    const [, py] = toPx(0, y);
    ctx.moveTo(0, py + 0.5);
    ctx.lineTo(width, py + 0.5);
  }
  ctx.stroke();

  // Region borders (48x48 tiles) and the id of each region this client has.
  ctx.save();
  ctx.strokeStyle = 'rgba(255, 214, 64, 0.9)';
  ctx.lineWidth = 2;
  ctx.setLineDash([8, 6]);
  ctx.beginPath();
  for (let x = Math.ceil(x0 / REGION_SIZE) * REGION_SIZE; x <= x1; x += REGION_SIZE) {
    const [px] = toPx(x, 0);
    ctx.moveTo(px, 0);
    ctx.lineTo(px, height);
  }
  for (let y = Math.ceil(y0 / REGION_SIZE) * REGION_SIZE; y <= y1; y += REGION_SIZE) {
    const [, py] = toPx(0, y);
    ctx.moveTo(0, py);
    ctx.lineTo(width, py);
  }
  ctx.stroke();
  ctx.restore();
  ctx.font = 'bold 12px ui-monospace, monospace';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  for (const [id, origin] of game.tiles.regions) {
    const [rx, ry] = toPx(origin.x, origin.y);
    const [rx2, ry2] = toPx(origin.x + REGION_SIZE, origin.y + REGION_SIZE);
    if (rx2 < 0 || ry2 < 0 || rx > width || ry > height) continue;
    // The label sits at the region's visible top-left corner.
    const lx = Math.max(rx, 0) + 6;
    const ly = Math.max(ry, 0) + 6;
    if (lx > rx2 - 60 || ly > ry2 - 20) continue;
    const label = `region ${id}`;
    ctx.fillStyle = 'rgba(0,0,0,0.55)';
    ctx.fillRect(lx - 3, ly - 2, ctx.measureText(label).width + 6, 16);
    ctx.fillStyle = '#ffd640';
    ctx.fillText(label, lx, ly);
  }

  // Players: the others, then this one on top.
  const others = [...game.players.values()];
  const labels: Rect[] = [];
  for (const entity of others) labels.push(drawPlayer(ctx, game, entity, now, toPx, false));
  labels.push(drawPlayer(ctx, game, game.self, now, toPx, true));
  // Bubbles go above their speaker, moved up past any name or earlier bubble they would cover.
  for (const entity of [game.self, ...others]) {
    const bubble = drawBubble(ctx, game, entity, now, toPx, labels);
    if (bubble) labels.push(bubble);
  }

  if (game.closed) {
    ctx.fillStyle = 'rgba(10, 10, 14, 0.72)';
    ctx.fillRect(0, 0, width, height);
    ctx.fillStyle = '#ffffff';
    ctx.font = 'bold 18px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(game.closed.message, width / 2, height / 2);
  }
}

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

const overlaps = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** Draws one player; returns where its name label is. */
function drawPlayer(
  ctx: CanvasRenderingContext2D,
  game: Game,
  entity: Entity,
  now: number,
  toPx: (x: number, y: number) => [number, number],
  self: boolean,
): Rect {
  const at = game.drawPosition(entity, now);
  const [px, py] = toPx(at.x + 0.5, at.y + 0.5);
  const radius = TILE_PX * 0.55;
  ctx.beginPath();
  ctx.ellipse(px, py + radius * 0.9, radius * 0.9, radius * 0.35, 0, 0, Math.PI * 2);
  ctx.fillStyle = 'rgba(0,0,0,0.3)';
  ctx.fill();
  ctx.beginPath();
  ctx.arc(px, py, radius, 0, Math.PI * 2);
  ctx.fillStyle = self ? '#3aa0ff' : '#ff6b57';
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#101318';
  ctx.stroke();
  // Which way it faces: a dot on the rim (Up 0, Down 1, Left 2, Right 3).
  const [fx, fy] = [[0, -1], [0, 1], [-1, 0], [1, 0]][entity.orientation] ?? [0, 1];
  ctx.beginPath();
  ctx.arc(px + fx! * radius * 0.55, py + fy! * radius * 0.55, 2.5, 0, Math.PI * 2);
  ctx.fillStyle = '#ffffff';
  ctx.fill();
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  const label = self ? `${entity.name} (you)` : entity.name;
  ctx.lineWidth = 3;
  ctx.strokeStyle = 'rgba(0,0,0,0.8)';
  ctx.strokeText(label, px, py - radius - 2);
  ctx.fillStyle = self ? '#bfe1ff' : '#ffffff';
  ctx.fillText(label, px, py - radius - 2);
  const w = ctx.measureText(label).width;
  return { x: px - w / 2, y: py - radius - 15, w, h: 13 };
}

function drawBubble(
  ctx: CanvasRenderingContext2D,
  game: Game,
  entity: Entity,
  now: number,
  toPx: (x: number, y: number) => [number, number],
  taken: readonly Rect[],
): Rect | undefined {
  if (!entity.bubble || entity.bubble.until < now) return undefined;
  const at = game.drawPosition(entity, now);
  const [px, py] = toPx(at.x + 0.5, at.y + 0.5);
  ctx.font = '12px system-ui, sans-serif';
  const text = entity.bubble.text.length > 48 ? `${entity.bubble.text.slice(0, 47)}…` : entity.bubble.text;
  const w = ctx.measureText(text).width + 12;
  const bx = px - w / 2;
  let by = py - TILE_PX * 0.55 - 38;
  for (let tries = 0; tries < 8 && taken.some((r) => overlaps(r, { x: bx, y: by, w, h: 20 })); tries++) by -= 22;
  ctx.fillStyle = 'rgba(255,255,255,0.95)';
  ctx.strokeStyle = '#101318';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.roundRect(bx, by, w, 20, 6);
  ctx.fill();
  ctx.stroke();
  ctx.fillStyle = '#101318';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, px, by + 10);
  return { x: bx, y: by, w, h: 20 };
}
