// Progressive enhancement only: every page works without this file.
document.addEventListener("click", (event) => {
  const printButton = event.target.closest("[data-print]");
  if (printButton) {
    window.print();
  }
});

// Forms that destroy something ask first (the page's own words, in its language).
document.addEventListener("submit", (event) => {
  const question = event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// Background jobs from the dashboard (the scheduler, a participant import): the "in the
// background" button sends the form to its job address, and a progress bar follows the job
// (GET /admin/jobs/{id}, twice a second) until it ends, without reloading the page; a panel
// with data-job-then then opens the page of the job's outcome. Without this script the
// form runs in the request.
(() => {
  const english = document.documentElement.lang === "en";
  const say = (progress) => (english ? progress.message_en : progress.message_vi);

  function follow(panel, job, csrf) {
    const bar = panel.querySelector("progress");
    const message = panel.querySelector("[data-job-message]");
    const result = panel.querySelector("[data-job-result]");
    const cancel = panel.querySelector("[data-job-cancel]");
    const reload = panel.querySelector("[data-job-reload]");
    panel.hidden = false;
    cancel.hidden = false;
    reload.hidden = true;
    result.textContent = "";
    cancel.onclick = () => {
      const body = new FormData();
      body.append("csrf_token", csrf);
      fetch(`/admin/jobs/${job.id}/cancel`, { method: "POST", body, credentials: "same-origin" });
    };
    const show = (current) => {
      const progress = current.progress;
      if (progress.fraction === null || progress.fraction === undefined) {
        bar.removeAttribute("value");
      } else {
        bar.value = progress.fraction;
      }
      let text = say(progress);
      if (progress.objective !== null && progress.objective !== undefined) {
        text += ` (${english ? "best" : "tốt nhất"} ${progress.objective}`;
        if (progress.bound !== null && progress.bound !== undefined) {
          text += `, ${english ? "bound" : "cận"} ${progress.bound}`;
        }
        text += ")";
      }
      message.textContent = text;
      if (["succeeded", "failed", "cancelled"].includes(current.status)) {
        cancel.hidden = true;
        if (panel.dataset.jobThen) {
          // The page that shows this job's outcome (an import's rows or links).
          window.location.assign(panel.dataset.jobThen + current.id);
          return true;
        }
        if (current.result) {
          const r = current.result;
          result.textContent = english
            ? `${r.status}: ${r.placed} meetings, ${r.added} added, ${r.moved} moved, ` +
              `${r.unplaced.length} required not placed, ${r.breaks} breaks`
            : `${r.status}: ${r.placed} cuộc gặp, thêm ${r.added}, dời ${r.moved}, ` +
              `${r.unplaced.length} cuộc gặp bắt buộc chưa xếp được, ${r.breaks} khoảng chờ`;
          reload.hidden = r.dry_run;
        } else if (current.error) {
          result.textContent = current.error;
        }
        return true;
      }
      return false;
    };
    const poll = () => {
      fetch(`/admin/jobs/${job.id}`, { credentials: "same-origin" })
        .then((answer) => answer.json())
        .then((current) => {
          if (!show(current)) {
            window.setTimeout(poll, 500);
          }
        })
        .catch(() => window.setTimeout(poll, 2000));
    };
    show(job);
    poll();
  }

  document.querySelectorAll("form[data-job-url]").forEach((form) => {
    form.querySelectorAll("[data-job-only]").forEach((button) => {
      button.hidden = false;
    });
    form.addEventListener("submit", (event) => {
      // Only the background button becomes a job; the preview keeps its page of changes,
      // from which the organiser applies what was shown.
      const background = event.submitter && event.submitter.hasAttribute("data-job-only");
      if (event.defaultPrevented || !background) {
        return;
      }
      event.preventDefault();
      const body = new FormData(form, event.submitter);
      const panel = document.getElementById(form.dataset.jobPanel);
      // A form posted to its usual address asks for a job with Prefer: respond-async.
      const headers = form.hasAttribute("data-job-prefer") ? { Prefer: "respond-async" } : {};
      fetch(form.dataset.jobUrl, { method: "POST", body, headers, credentials: "same-origin" })
        .then((answer) => answer.json())
        .then((job) => follow(panel, job, body.get("csrf_token")));
    });
  });
})();

// The commitment form: Enter in the organisation search runs the search (not "save"),
// the sector list narrows as one types (accents optional), and the chosen codes are
// listed above it. Without the script: the "Find" button, the open sections, the list.
(() => {
  const fold = (text) =>
    text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();

  document.querySelectorAll("[data-enter-clicks]").forEach((input) => {
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        document.getElementById(input.dataset.enterClicks).click();
      }
    });
  });

  document.querySelectorAll("[data-filter-box]").forEach((input) => {
    const box = document.getElementById(input.dataset.filterBox);
    const opened = new Map([...box.querySelectorAll("details")].map((d) => [d, d.open]));
    input.hidden = false;
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
      }
    });
    input.addEventListener("input", () => {
      const words = fold(input.value).split(/\s+/).filter(Boolean);
      box.querySelectorAll("details").forEach((group) => {
        let shown = 0;
        group.querySelectorAll("li").forEach((item) => {
          const text = fold(item.textContent + " " + group.querySelector("summary").textContent);
          const match = words.every((word) => text.includes(word));
          item.hidden = !match;
          shown += match ? 1 : 0;
        });
        group.hidden = words.length > 0 && shown === 0;
        group.open = words.length > 0 ? shown > 0 : opened.get(group);
      });
    });
  });

  document.querySelectorAll("[data-chosen-for]").forEach((note) => {
    const box = document.getElementById(note.dataset.chosenFor);
    const list = note.querySelector("[data-chosen-list]");
    box.addEventListener("change", () => {
      const codes = [...box.querySelectorAll("input:checked")].map((input) => input.value);
      list.textContent = codes.length ? codes.join(", ") : "–";
    });
  });
})();
