// Page scripts of DmarcSecurity's own. Blazor calls them through window.dmarc.
window.dmarc = window.dmarc || {};

// Hands a file the page fetched from the Api (a DotNetStreamReference) to the browser as a download.
window.dmarc.download = async (fileName, contentType, streamRef) => {
    const blob = new Blob([await streamRef.arrayBuffer()], { type: contentType });
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = fileName;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
};
