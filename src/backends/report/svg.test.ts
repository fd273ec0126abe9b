import { expect, test } from 'vitest';
import { arrowHead, el, esc, fitText, num, polyline, text, textWidth, translate } from './svg.js';

test('escaping', () => {
  expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  expect(text(1, 2, 'a<b')).toBe('<text x="1" y="2">a&lt;b</text>');
});

test('coordinates round to 0.1 and never print -0', () => {
  expect(num(1.26)).toBe('1.3');
  expect(num(3)).toBe('3');
  expect(num(-0.01)).toBe('0');
  expect(el('rect', { x: 0.333, y: undefined, class: 'a' })).toBe('<rect x="0.3" class="a"/>');
});

test('paths, arrowheads and groups', () => {
  expect(polyline([[0, 0], [10, 0], [10, 5]])).toBe('<path d="M0 0 L10 0 L10 5" fill="none"/>');
  expect(arrowHead(10, 20, 'down')).toBe('<polygon points="10,20 6,12 14,12"/>');
  expect(translate({ w: 1, h: 1, body: '<g/>' }, 5, 6)).toBe('<g transform="translate(5,6)"><g/></g>');
});

test('text fitting', () => {
  expect(textWidth('abcd', 10)).toBe(24);
  expect(fitText('abcdefghij', 30, 10)).toBe('abcd…');
  expect(fitText('abc', 30, 10)).toBe('abc');
});
