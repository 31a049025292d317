// Page scripts of DmarcSecurity's own. Blazor calls them through window.dmarc.
window.dmarc = window.dmarc || {};
