// The query page: YASGUI against this server's /sparql, saved questions answered through the API
// with a form for their parameters, completions from this server only, chart and graph views.
(function () {
  "use strict";

  // Resolved against the page's own address, so the page works behind a path-prefixing proxy.
  var endpoint = new URL("sparql", document.baseURI).href;
  var pageData = JSON.parse(document.getElementById("query-page-data").textContent);
  var savedQueries = pageData.saved;
  var byName = {};
  savedQueries.forEach(function (query) { byName[query.name] = query; });

  // ---- completions from this server (the stock ones ask prefix.cc and LOV, which the page's
  // policy blocks) ----------------------------------------------------------------------------
  var Yasqe = Yasgui.Yasqe;
  var RDFS_LABEL = pageData.prefixes.rdfs + "label";

  // 429 means this page (one client) already runs its share of the server's queries: wait as the
  // server asks (Retry-After) and try again, a few times, instead of showing a refusal. The page
  // sends a few queries at once when it opens (the completion lists), and a loaded server may
  // still be answering the first when a question is asked.
  var POLITE_TRIES = 4;

  function politeFetch(url, init, tries) {
    var left = tries === undefined ? POLITE_TRIES : tries;
    return fetch(url, init).then(function (answer) {
      if (answer.status !== 429 || left <= 1) { return answer; }
      var seconds = Math.min(10, Math.max(1, parseInt(answer.headers.get("Retry-After"), 10) || 2));
      return new Promise(function (resolve) { setTimeout(resolve, seconds * 1000); }).then(function () {
        return politeFetch(url, init, left - 1);
      });
    });
  }

  function localSelect(sparql) {
    return politeFetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/sparql-results+json" },
      body: new URLSearchParams({ query: sparql }).toString(),
    }).then(function (answer) {
      if (!answer.ok) { throw new Error("completion query failed: " + answer.status); }
      return answer.json();
    }).then(function (json) {
      return json.results.bindings.map(function (row) { return row.iri.value; });
    });
  }

  function localCompleter(name, sparql) {
    var stock = Yasqe.Autocompleters[name];
    return Object.assign({}, stock, {
      name: name, bulk: true, persistenceId: null,
      get: function () { return localSelect(sparql); },
    });
  }

  Yasqe.registerAutocompleter(Object.assign({}, Yasqe.Autocompleters.prefixes, {
    persistenceId: null,
    get: function () {
      return Promise.resolve(Object.keys(pageData.prefixes).map(function (name) {
        return name + ": <" + pageData.prefixes[name] + ">";
      }));
    },
  }));
  Yasqe.registerAutocompleter(localCompleter("class", pageData.completionQueries["class"]));
  Yasqe.registerAutocompleter(localCompleter("property", pageData.completionQueries.property));
  // Our own things by prefixed name (region:BE2, organisation:imec...), anywhere but a variable.
  Yasqe.registerAutocompleter(Object.assign(localCompleter("entities", pageData.completionQueries.entities), {
    isValidCompletionPosition: function (yasqe) {
      var token = yasqe.getCompleteToken();
      var colon = token.string.indexOf(":");
      return colon > 0 && Object.prototype.hasOwnProperty.call(pageData.kindPrefixes, token.string.slice(0, colon));
    },
  }));
  Yasqe.defaults.autocompleters = ["prefixes", "class", "property", "entities", "variables"];
  Yasqe.defaults.value = pageData.defaultQuery;

  // ---- result views: a chart of numeric answers, a graph of CONSTRUCT answers -----------------
  function ChartView(yasr) { this.yasr = yasr; this.priority = 5; this.label = "Chart"; }
  ChartView.prototype.numericColumns = function () {
    var rows = this.yasr.results.getBindings() || [];
    // Numbers only: years and dates are numeric-looking labels, not quantities to draw.
    return (this.yasr.results.getVariables() || []).filter(function (name) {
      return rows.length > 0 && rows.every(function (row) {
        var term = row[name];
        return !term || (term.type !== "uri" && term.value !== "" && !isNaN(Number(term.value))
          && !/(gYear|date|time)$/i.test(term.datatype || ""));
      }) && rows.some(function (row) { return row[name]; });
    }).slice(0, 1);
  };
  ChartView.prototype.canHandleResults = function () {
    return Boolean(this.yasr.results && this.yasr.results.getBindings && this.yasr.results.getBindings()
      && this.numericColumns().length > 0);
  };
  ChartView.prototype.getIcon = function () {
    var icon = document.createElement("span"); icon.textContent = "▮▮"; return icon;
  };
  ChartView.prototype.draw = function () {
    var rows = this.yasr.results.getBindings();
    var numeric = this.numericColumns();
    var labelColumn = (this.yasr.results.getVariables() || []).filter(function (name) {
      return numeric.indexOf(name) < 0;
    });
    var shown = rows.slice(0, 60);
    var labels = shown.map(function (row) {
      var parts = labelColumn.map(function (name) { return row[name] ? shortName(row[name]) : ""; });
      var named = labelColumn.filter(function (name) { return row[name] && row[name].type === "literal"; });
      return named.length ? shortName(row[named[0]]) : parts.join(" ");
    });
    var holder = document.createElement("div");
    holder.className = "chart-view";
    var canvas = document.createElement("canvas");
    holder.appendChild(canvas);
    this.yasr.resultsEl.appendChild(holder);
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: numeric.map(function (name) {
          return { label: name, data: shown.map(function (row) { return row[name] ? Number(row[name].value) : null; }) };
        }),
      },
      options: { indexAxis: "y", maintainAspectRatio: false, animation: false, plugins: { legend: { position: "top" } } },
    });
    holder.style.height = Math.max(220, 22 * shown.length + 60) + "px";
  };

  function GraphView(yasr) { this.yasr = yasr; this.priority = 6; this.label = "Graph"; }
  GraphView.prototype.canHandleResults = function () {
    var statements = this.yasr.results && this.yasr.results.getStatements && this.yasr.results.getStatements();
    return Boolean(statements && statements.length);
  };
  GraphView.prototype.getIcon = function () {
    var icon = document.createElement("span"); icon.textContent = "◉–◉"; return icon;
  };
  GraphView.prototype.draw = function () {
    var statements = this.yasr.results.getStatements().slice(0, 400);
    var elements = [], nodes = {}, labels = {};
    statements.forEach(function (st) {
      if (st.predicate.value === RDFS_LABEL && st.object.termType === "Literal") {
        labels[st.subject.value] = st.object.value;
      }
    });
    function node(term) {
      var id = term.termType === "Literal" ? "literal:" + term.value : term.value;
      if (!nodes[id]) {
        nodes[id] = true;
        elements.push({ data: { id: id, label: labels[term.value] || shortName({ type: term.termType === "Literal" ? "literal" : "uri", value: term.value }),
          literal: term.termType === "Literal" } });
      }
      return id;
    }
    statements.forEach(function (st, index) {
      if (st.predicate.value === RDFS_LABEL) { return; }
      elements.push({ data: { id: "e" + index, source: node(st.subject), target: node(st.object),
        label: shortName({ type: "uri", value: st.predicate.value }) } });
    });
    var holder = document.createElement("div");
    holder.className = "graph-view";
    this.yasr.resultsEl.appendChild(holder);
    cytoscape({
      container: holder, elements: elements,
      layout: { name: "cose", animate: false },
      maxZoom: 1.2,
      style: [
        { selector: "node", style: { label: "data(label)", "font-size": 10, "background-color": "#0b4f6c", width: 14, height: 14 } },
        { selector: "node[?literal]", style: { shape: "round-rectangle", "background-color": "#9bb7c9" } },
        { selector: "edge", style: { label: "data(label)", "font-size": 8, width: 1, "curve-style": "bezier",
          "target-arrow-shape": "triangle", "line-color": "#9bb7c9", "target-arrow-color": "#9bb7c9" } },
      ],
    });
  };
  Yasgui.Yasr.registerPlugin("chart", ChartView);
  Yasgui.Yasr.registerPlugin("graph", GraphView);

  function shortName(term) {
    if (term.type !== "uri") { return term.value; }
    var best = null;
    Object.keys(pageData.prefixes).forEach(function (name) {
      var iri = pageData.prefixes[name];
      if (term.value.indexOf(iri) === 0 && (!best || iri.length > pageData.prefixes[best].length)) { best = name; }
    });
    return best ? best + ":" + term.value.slice(pageData.prefixes[best].length) : term.value;
  }

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    // A key of its own, so that tabs saved for another YASGUI on this host are not mixed in.
    persistenceId: "smarthealth-query-page-2",
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    yasqe: { value: pageData.defaultQuery },
    // Result tables show our IRIs as region:BE2, organisation:imec... (merged with the query's own).
    yasr: { prefixes: pageData.prefixes },
  });

  // A run from the editor shows its answer again after a refused question hid the last one.
  yasgui.on("queryResponse", function () { showAnswer(); });

  // Our own IRIs in results open this server's page about them, not the w3id.org address.
  document.getElementById("yasgui").addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link) { return; }
    var href = link.getAttribute("href");
    if (pageData.ownNamespaces.some(function (ns) { return href.indexOf(ns) === 0; })) {
      event.preventDefault();
      window.location.href = new URL("resource?uri=" + encodeURIComponent(href), document.baseURI).href;
    }
  });

  // ---- syntax errors in one readable line (the endpoint's message lists every expected token) --
  function readableError(message, queryText) {
    var match = /malformed query: error at (\d+):(\d+)/.exec(message);
    if (!match) { return null; }
    var line = Number(match[1]), column = Number(match[2]);
    var lineText = (queryText.split("\n")[line - 1] || "");
    var before = lineText.slice(Math.max(0, column - 25), column - 1).trim();
    var text = "Syntax error at line " + line + ", column " + column + (before ? ", after “" + before + "”" : "") + ".";
    var idUse = /(^|[\s{(;,.])id:([A-Za-z-]+)\//.exec(lineText);
    if (idUse) {
      text += " “id:" + idUse[2] + "/…” is MODEL.md's shorthand, not SPARQL: write " + idUse[2] + ":KEY" +
        (pageData.kindPrefixes[idUse[2]] ? " with PREFIX " + idUse[2] + ": <" + pageData.kindPrefixes[idUse[2]] + ">" : "") + ".";
    }
    return text;
  }

  new MutationObserver(function () {
    document.querySelectorAll("#yasgui .errorResult:not([data-tidied])").forEach(function (box) {
      // YASR fills the box after creating it: wait until the endpoint's message is in.
      var text = readableError(box.textContent, yasgui.getTab().getYasqe().getValue());
      if (!text) { return; }
      box.setAttribute("data-tidied", "true");
      var summary = document.createElement("p");
      summary.className = "readable-error";
      summary.textContent = text;
      var details = document.createElement("details");
      var label = document.createElement("summary");
      label.textContent = "The endpoint's full message";
      details.appendChild(label);
      while (box.firstChild) { details.appendChild(box.firstChild); }
      box.appendChild(summary);
      box.appendChild(details);
    });
  }).observe(document.getElementById("yasgui"), { childList: true, subtree: true });

  // ---- saved questions: a form with the API's parameters, answered by the API -------------------
  var form = document.getElementById("question-form");
  var fields = document.getElementById("question-fields");
  var status = document.getElementById("question-status");
  var apiLink = document.getElementById("question-api-link");
  var current = null;

  function parameterInput(parameter, service) {
    var wrapper = document.createElement("label");
    wrapper.className = "question-field";
    var caption = document.createElement("span");
    caption.textContent = parameter.name + (parameter.required ? " (required)" : "");
    wrapper.appendChild(caption);
    var input;
    var choices = parameter.enum || (parameter.datatype === pageData.prefixes.xsd + "boolean" ? ["true", "false"] : null);
    if (choices) {
      input = document.createElement("select");
      var none = document.createElement("option");
      none.value = "";
      none.textContent = parameter.default ? "(default: " + parameter.default + ")" : "(any)";
      input.appendChild(none);
      choices.forEach(function (choice) {
        var option = document.createElement("option");
        option.value = choice; option.textContent = choice; input.appendChild(option);
      });
    } else {
      input = document.createElement("input");
      input.type = "text";
      input.placeholder = parameter.example ? "e.g. " + parameter.example : "";
    }
    input.name = parameter.name;
    input.required = Boolean(parameter.required);
    input.title = parameter.description || "";
    wrapper.appendChild(input);
    var hint = document.createElement("small");
    hint.textContent = parameter.description || "";
    wrapper.appendChild(hint);
    if (service && parameter.name === service.parameter) { endpointField(input, hint, service); }
    return wrapper;
  }

  // ---- the endpoint of a federated question: the editor names it in SERVICE <...> ---------------
  function endpointField(input, hint, service) {
    var choices = document.createElement("datalist");
    choices.id = "endpoint-choices";
    service.allowed.concat(service.allowed.indexOf(service["default"]) < 0 && service["default"] ? [service["default"]] : [])
      .forEach(function (iri) {
        var option = document.createElement("option"); option.value = iri; choices.appendChild(option);
      });
    input.setAttribute("list", choices.id);
    input.parentNode.insertBefore(choices, hint);
    input.value = service["default"] || "";
    input.classList.add("endpoint-field");
    hint.classList.add("endpoint-note");
    input.addEventListener("change", function () { showEndpoint(input.value.trim()); });
  }

  function currentText() { return yasgui.getTab().getYasqe().getValue(); }

  // Show the SERVICE line, below the question's header comments.
  function scrollToService() {
    var yasqe = yasgui.getTab().getYasqe();
    var line = yasqe.getValue().split("\n").findIndex(function (text) { return /^\s*SERVICE\b/i.test(text); });
    if (line >= 0) { yasqe.scrollIntoView({ line: Math.min(line + 6, yasqe.lineCount() - 1), ch: 0 }); }
  }

  function serviceIri(text) {
    var match = /\bSERVICE\s+(?:SILENT\s+)?<([^>]*)>/i.exec(text);
    return match ? match[1] : null;
  }

  function noteEndpoint(iri) {
    var note = fields.querySelector(".endpoint-note");
    if (!note) { return; }
    var allowed = current.service.allowed;
    var listed = allowed.length ? "allowed here: " + allowed.join(", ") :
      "this server allows no SERVICE endpoint (start it with --allow-service URL)";
    var ok = iri !== null && allowed.indexOf(iri) >= 0;
    note.textContent = (iri === null ? "Give the endpoint's IRI; " :
      ok ? "On this server's SERVICE allow-list; " : "<" + iri + "> is not on this server's SERVICE allow-list; ") + listed + ".";
    note.className = "endpoint-note" + (ok ? "" : " error");
  }

  // Ask the API for the text naming the endpoint (normalised there), and show it in the editor.
  function showEndpoint(value) {
    var url = new URL("api/queries/" + encodeURIComponent(current.name) + "/sparql?" +
      new URLSearchParams({ endpoint: value }).toString(), document.baseURI).href;
    return politeFetch(url).then(function (answer) {
      return answer.text().then(function (body) {
        if (!answer.ok) {
          var message = body;
          try { message = JSON.parse(body).error; } catch (ignored) { /* plain text */ }
          status.textContent = "The endpoint: " + message;
          status.className = "question-status error";
          noteEndpoint(null);
          return null;
        }
        yasgui.getTab().setQuery(body);
        var iri = serviceIri(body);
        var input = fields.querySelector(".endpoint-field");
        if (input && iri) { input.value = iri; }  // as the server reads it (normalised)
        noteEndpoint(iri);
        scrollToService();
        return body;
      });
    });
  }

  function apiUrl(values) {
    var query = new URLSearchParams();
    Object.keys(values).forEach(function (key) { if (values[key] !== "") { query.set(key, values[key]); } });
    var text = query.toString();
    return new URL("api/queries/" + encodeURIComponent(current.name) + (text ? "?" + text : ""), document.baseURI).href;
  }

  function formValues() {
    var values = {};
    Array.prototype.forEach.call(fields.querySelectorAll("input, select"), function (input) {
      values[input.name] = input.value.trim();
    });
    return values;
  }

  function runQuestion() {
    var values = formValues();
    var missing = current.parameters.filter(function (p) { return p.required && !values[p.name]; });
    if (missing.length) {
      status.textContent = missing.map(function (p) { return p.name; }).join(", ") +
        (missing.length > 1 ? " are" : " is") + " required: " + missing.map(function (p) { return p.description; }).join(" ");
      status.className = "question-status error";
      return Promise.resolve(null);
    }
    if (current.service && values[current.service.parameter]) {
      // The editor names the endpoint asked for, so that running the text there calls the same one.
      return showEndpoint(values[current.service.parameter]).then(function (text) {
        return text === null ? null : askApi(formValues());  // the endpoint as the server reads it
      });
    }
    return askApi(values);
  }

  function askApi(values) {
    var url = apiUrl(values);
    apiLink.href = url;
    apiLink.textContent = url;
    status.textContent = "Asking the API…";
    status.className = "question-status";
    var started = Date.now();
    return politeFetch(url, { headers: { Accept: "application/sparql-results+json" } }).then(function (answer) {
      return answer.text().then(function (body) {
        if (!answer.ok) {
          var message = body;
          try { message = JSON.parse(body).error; } catch (ignored) { /* plain text */ }
          status.textContent = "The API refused: " + message;
          status.className = "question-status error";
          clearAnswer();  // an earlier answer left on show would read as this question's
          return null;
        }
        var json = JSON.parse(body);
        showAnswer();
        var yasr = yasgui.getTab().getYasr();
        yasr.setResponse({ data: body, contentType: "application/sparql-results+json", status: 200,
          executionTime: Date.now() - started });
        var count = json.results.bindings.length;
        status.textContent = count + " answer" + (count === 1 ? "" : "s") + " from the API (the same as GET " +
          url.replace(/^.*\/api\//, "api/") + ").";
        status.className = "question-status done";
        return json;
      });
    });
  }

  // Hidden until the next answer (from the API or the editor's run), which shows it again.
  function clearAnswer() {
    var tab = yasgui.getTab();
    if (tab) { tab.getYasr().rootEl.hidden = true; }
  }

  function showAnswer() {
    var tab = yasgui.getTab();
    if (tab) { tab.getYasr().rootEl.hidden = false; }
  }

  function openSavedQuery(name) {
    var query = byName[name];
    if (!query) { return null; }
    current = query;
    var tab = yasgui.getTab();
    if (tab && Object.prototype.hasOwnProperty.call(byName, tab.getName())) {
      // One tab for saved questions: going through them does not pile up tabs.
      tab.setName(query.name);
      tab.setQuery(query.text);
    } else {
      yasgui.addTab(true, {
        name: query.name,
        yasqe: { value: query.text },
        requestConfig: { endpoint: endpoint, method: "POST" },
      }, { avoidDuplicateTabs: true });
    }
    document.getElementById("question-title").textContent = query.summary;
    fields.innerHTML = "";
    query.parameters.forEach(function (parameter) { fields.appendChild(parameterInput(parameter, query.service)); });
    if (query.service) { noteEndpoint(serviceIri(currentText())); scrollToService(); }
    status.textContent = query.parameters.length ? "Fill in the parameters and ask." : "This question has no parameters.";
    status.className = "question-status";
    apiLink.href = apiUrl({});
    apiLink.textContent = apiLink.href;
    form.hidden = false;
    return query;
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); runQuestion(); });
  document.querySelectorAll("button.saved-query").forEach(function (button) {
    button.addEventListener("click", function () {
      openSavedQuery(button.getAttribute("data-query-name"));
    });
  });

  window.smarthealthQueryPage = { yasgui: yasgui, openSavedQuery: openSavedQuery, runQuestion: runQuestion,
    showEndpoint: showEndpoint };
})();
