/**
 * Jest stand-in for `office-addin-manifest`, whose dependency chain is ESM-only and does not load
 * under jest (../shared/notes/toolchain.md). office-addin-mock needs only its OfficeApp enum, to
 * tell Outlook (no load/sync) from the other hosts. Mapped in jest.config.js (moduleNameMapper).
 */
module.exports = {
  OfficeApp: { Excel: "excel", OneNote: "onenote", Outlook: "outlook", PowerPoint: "powerpoint", Project: "project", Word: "word" },
};
