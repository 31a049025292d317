// Page scripts of DmarcSecurity's own. Blazor calls them through window.dmarc.
window.dmarc = window.dmarc || {};

// ---- One-time secrets (API keys, one-time passwords) ----

/** Copies an element's text; where the clipboard is refused, selects the text for Ctrl+C and answers false. */
window.dmarc.copyText = async function (element) {
    const text = element.textContent.trim();
    try {
        await navigator.clipboard.writeText(text);
        return true;
    } catch {
        const range = document.createRange();
        range.selectNodeContents(element);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        return false;
    }
};

// ---- Upload page ----
// The page owns the markup (drop zone, file input, list, summary, antiforgery token); these functions fill the list.
// Each file goes in its own POST /upload (the Web app streams it on to the Api), at most three at a time, so every
// file shows its own progress and outcome.

const uploadParallel = 3;

/** Wires the upload page's root element once; called by the page after its first interactive render. */
window.dmarc.initUpload = function (root) {
    if (!root || root.dataset.ready === 'true') {
        return;
    }

    const input = root.querySelector('[data-upload-input]');
    const zone = root.querySelector('[data-upload-drop]');
    const state = {
        root,
        list: root.querySelector('[data-upload-list]'),
        summary: root.querySelector('[data-upload-summary]'),
        queue: [],
        running: 0,
    };

    input.addEventListener('change', () => {
        uploadAdd(state, input.files);
        input.value = '';
    });
    zone.addEventListener('dragover', e => {
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        zone.classList.add('dragging');
    });
    zone.addEventListener('dragleave', e => {
        if (!zone.contains(e.relatedTarget)) {
            zone.classList.remove('dragging');
        }
    });
    zone.addEventListener('drop', e => {
        e.preventDefault();
        zone.classList.remove('dragging');
        uploadAdd(state, e.dataTransfer.files);
    });
    root.dataset.ready = 'true';
};

function uploadAdd(state, files) {
    if (!files || files.length === 0) {
        return;
    }

    state.summary.hidden = true;
    for (const file of Array.from(files)) {
        state.queue.push({ file, row: uploadRow(state.list, file) });
    }

    uploadPump(state);
}

function uploadPump(state) {
    while (state.running < uploadParallel && state.queue.length > 0) {
        const item = state.queue.shift();
        state.running++;
        uploadSend(state.root, item).finally(() => {
            state.running--;
            uploadPump(state);
            if (state.running === 0 && state.queue.length === 0) {
                uploadSummarise(state);
            }
        });
    }
}

function uploadRow(list, file) {
    const row = document.createElement('li');
    row.className = 'upload-item';
    row.dataset.testid = 'upload-item';
    row.dataset.file = file.name;

    const name = document.createElement('span');
    name.className = 'upload-name';
    name.textContent = file.name;

    const size = document.createElement('span');
    size.className = 'upload-size';
    size.textContent = uploadSize(file.size);

    const progress = document.createElement('progress');
    progress.max = 1;
    progress.value = 0;
    progress.setAttribute('aria-label', 'Upload of ' + file.name);

    const outcome = document.createElement('div');
    outcome.className = 'upload-outcome';
    outcome.dataset.testid = 'upload-outcome';
    outcome.textContent = 'Waiting…';

    row.append(name, size, progress, outcome);
    list.append(row);
    return { row, progress, outcome };
}

function uploadSend(root, item) {
    return new Promise(resolve => {
        const { progress, outcome } = item.row;
        const token = root.querySelector('input[name="__RequestVerificationToken"]');
        const form = new FormData();
        form.append('files', item.file, item.file.name);

        const xhr = new XMLHttpRequest();
        xhr.open('POST', '/upload');
        // Marks the request as a script's: an ended session answers 401 instead of redirecting to the sign-in page.
        xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
        if (token) {
            xhr.setRequestHeader('RequestVerificationToken', token.value);
        }
        xhr.upload.onprogress = e => {
            if (e.lengthComputable && e.total > 0) {
                progress.value = e.loaded / e.total;
            }
        };
        // Sent: the Api is reading the file now; an indeterminate bar until it answers.
        xhr.upload.onload = () => {
            progress.removeAttribute('value');
            outcome.textContent = 'Processing…';
        };
        xhr.onload = () => {
            uploadShow(item.row, xhr.status, xhr.responseText);
            resolve();
        };
        xhr.onerror = () => {
            uploadFailed(item.row, 'The upload did not reach the server. Check the connection and try again.');
            resolve();
        };
        outcome.textContent = 'Uploading…';
        xhr.send(form);
    });
}

function uploadShow(row, status, text) {
    let body = null;
    try {
        body = text ? JSON.parse(text) : null;
    } catch {
        body = null;
    }

    if (status >= 200 && status < 300 && body && Array.isArray(body.files) && body.files.length > 0) {
        uploadOutcome(row, body.files[0]);
    } else if (status === 401) {
        uploadFailed(row, 'Your session has ended. ', { text: 'Sign in again', href: '/account/login?returnUrl=%2Fupload' });
    } else {
        uploadFailed(row, uploadProblem(status, body));
    }
}

/** The report kinds an upload may store, as the Api answers them: aggregate, SMTP TLS and DMARC failure reports. */
const uploadKinds = [
    { ids: 'reportIds', duplicates: 'duplicateOfReportIds', label: '', path: '/reports/' },
    { ids: 'tlsReportIds', duplicates: 'duplicateOfTlsReportIds', label: 'TLS ', path: '/tls-reports/' },
    { ids: 'failureReportIds', duplicates: 'duplicateOfFailureReportIds', label: 'failure ', path: '/failure-reports/' },
];

function uploadOutcome(row, file) {
    const el = row.outcome;
    el.textContent = '';
    row.progress.value = 1;
    const stored = uploadKinds.map(k => ({ kind: k, ids: file[k.ids] || [] }));
    const repeated = uploadKinds.map(k => ({ kind: k, ids: file[k.duplicates] || [] })).filter(g => g.ids.length > 0);
    const aggregate = stored[0].ids;
    const others = stored.slice(1).filter(g => g.ids.length > 0);
    switch (file.outcome) {
        case 'Stored':
            uploadMark(row, 'stored');
            el.append('Stored — ');
            if (aggregate.length > 0 || others.length === 0) {
                el.append(file.records + (file.records === 1 ? ' record, ' : ' records, '));
                uploadReportLinks(el, aggregate, stored[0].kind);
            }
            others.forEach((g, i) => {
                if (aggregate.length > 0 || i > 0) {
                    el.append('; ');
                }
                uploadReportLinks(el, g.ids, g.kind);
            });
            if (repeated.length > 0) {
                el.append('; duplicate of ');
                uploadDuplicateLinks(el, repeated);
            }
            break;
        case 'Duplicate':
            uploadMark(row, 'duplicate');
            el.append('Duplicate of ');
            if (repeated.length > 0) {
                uploadDuplicateLinks(el, repeated);
            } else {
                uploadReportLinks(el, aggregate, stored[0].kind);
            }
            break;
        case 'Rejected':
            uploadMark(row, 'rejected');
            el.textContent = 'Rejected — ' + uploadReason(file.reason) + (file.error ? ': ' + file.error : '');
            break;
        default:
            uploadFailed(row, 'The server gave no outcome for this file.');
            return;
    }

    uploadConflictLinks(el, file.conflictIds || []);
}

/** "; other content kept as conflicting copy #7": a stored report arrived again saying something else. */
function uploadConflictLinks(el, ids) {
    if (ids.length === 0) {
        return;
    }

    el.append('; other content kept as conflicting ' + (ids.length === 1 ? 'copy ' : 'copies '));
    ids.forEach((id, i) => {
        if (i > 0) {
            el.append(', ');
        }
        const a = document.createElement('a');
        a.href = '/report-conflicts/' + encodeURIComponent(id);
        a.textContent = '#' + id;
        a.dataset.testid = 'upload-conflict';
        el.append(a);
    });
}

function uploadFailed(row, message, link) {
    uploadMark(row, 'failed');
    row.progress.value = 0;
    row.outcome.textContent = message;
    if (link) {
        const a = document.createElement('a');
        a.href = link.href;
        a.textContent = link.text;
        row.outcome.append(a, '.');
    }
}

function uploadMark(row, outcome) {
    row.outcome.dataset.outcome = outcome;
    row.outcome.className = 'upload-outcome ' + outcome;
    row.row.dataset.outcome = outcome;
}

function uploadDuplicateLinks(el, groups) {
    groups.forEach((g, i) => {
        if (i > 0) {
            el.append(' and ');
        }
        uploadReportLinks(el, g.ids, g.kind);
    });
}

/** "report #12", or "reports #12, #13", each linking to the report; "TLS report #3", "failure report #4" for the other kinds. */
function uploadReportLinks(el, ids, kind) {
    if (ids.length === 0) {
        el.append('no report');
        return;
    }

    el.append(kind.label + (ids.length === 1 ? 'report ' : 'reports '));
    ids.forEach((id, i) => {
        if (i > 0) {
            el.append(', ');
        }
        const a = document.createElement('a');
        a.href = kind.path + encodeURIComponent(id);
        a.textContent = '#' + id;
        el.append(a);
    });
}

/** The problem document's words, never raw text from elsewhere. */
function uploadProblem(status, body) {
    if (body && body.errors) {
        const messages = Object.values(body.errors).flat().filter(Boolean);
        if (messages.length > 0) {
            return messages.join(' ');
        }
    }
    if (body && body.title) {
        return body.title + (body.detail ? ': ' + body.detail : '');
    }
    switch (status) {
        case 403: return 'Your role does not allow uploads.';
        case 413: return 'The file is too large.';
        case 429: return 'Too many uploads at once; try again in a minute.';
        default: return 'The upload failed (HTTP ' + status + '). Try again in a moment.';
    }
}

/** "DtdProhibited" reads "DTD prohibited". */
function uploadReason(reason) {
    if (!reason) {
        return 'not accepted';
    }
    const words = String(reason).replace(/([a-z])([A-Z])/g, '$1 $2').replace(/([A-Z])([A-Z][a-z])/g, '$1 $2').toLowerCase()
        .replace(/\bdtd\b/, 'DTD').replace(/\bxml\b/, 'XML').replace(/\bjson\b/, 'JSON');
    return words.charAt(0).toUpperCase() + words.slice(1);
}

function uploadSize(bytes) {
    if (bytes < 1024) {
        return bytes + ' B';
    }
    const units = ['KB', 'MB', 'GB'];
    let value = bytes / 1024;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit++;
    }
    return value.toFixed(value < 10 ? 1 : 0) + ' ' + units[unit];
}

function uploadSummarise(state) {
    const outcomes = Array.from(state.list.querySelectorAll('[data-testid="upload-outcome"]')).map(el => el.dataset.outcome);
    const count = name => outcomes.filter(o => o === name).length;
    const parts = [
        [count('stored'), 'stored', 'stored'],
        [count('duplicate'), 'duplicate', 'duplicates'],
        [count('rejected'), 'rejected', 'rejected'],
        [count('failed'), 'failed', 'failed'],
    ].filter(([n]) => n > 0).map(([n, one, many]) => n + ' ' + (n === 1 ? one : many));
    state.summary.textContent = outcomes.length + (outcomes.length === 1 ? ' file: ' : ' files: ') + parts.join(', ');
    state.summary.hidden = false;
}
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
