'use strict';
// cleanChat as it was before the one-pass version (two regex passes), frozen: the reference
// model of services/shard/test/chat.test.ts and the baseline of bench/micro/packets.js. Plain
// JavaScript so that the bench can require it without a build.

const HTML = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** @param {string} raw @param {number} maxLength @returns {string | null} */
function cleanChatTwoPass(raw, maxLength) {
  // eslint-disable-next-line no-control-regex
  let text = raw.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  if (text.length === 0) return null;
  if (text.length > maxLength) {
    text = text.slice(0, maxLength);
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) text = text.slice(0, -1);
    text = text.trimEnd();
  }
  return text.replace(/[&<>"']/g, (c) => HTML[c]);
}

module.exports = { cleanChatTwoPass };
