# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Living documentation of a cluster: one Markdown page with a Mermaid map, and one Graphviz DOT diagram.

Pure: plain data in, text out. The inputs are what the collection already reads:

- the status model of cluster_status_collect.collect() (crm_mon XML, corosync-quorumtool, corosync-cfgtool);
- the configuration in the cib module's format (cib_export.export() of ``cibadmin --query``);
- the running corosync settings (``corosync-cmapctl`` output, parsed by corosync_runtime.parse_cmapctl());
- the stack's versions (cluster_status_collect.read_stack_versions());
- the CIB's XML (cib.read_live_cib()), where the storage resources are found by the finders the health checks use
  (postgresql.instances(), postgresql.writable_vips(), filesystem.resources());
- the facts cluster_node_facts gathered on each node (its ``postgresql`` and ``filesystems``), read with
  postgresql.py's and filesystem.py's readers, never parsed again: which instance is the primary, how each
  standby replicates, where each filesystem is mounted. Without them the storage section says so and shows
  only what the CIB and crm_mon say;
- the time the documentation was generated, given by the caller (the engine reads no clock).

build_model() joins them into one plain dict (what was documented); render_markdown() and
render_dot() turn that dict into text. document() does all three. The map of the cluster (nodes, what
runs where, what runs nowhere, colocation and order edges) is chosen once, by cluster_map(), and drawn
twice: as DOT by render_dot() and as a Mermaid flowchart by render_mermaid(), which the page embeds in
a ```mermaid block (Git forges show it as a picture, with nothing installed).

Everything user-controlled (ids, parameters, node names, addresses) is escaped for Markdown table
cells, for DOT quoted strings and for Mermaid quoted labels (entity codes; Mermaid ids are made by
the engine, never taken from the cluster). Parameters whose names look secret are never copied.
Standard library only, Python 3.8 syntax at most: this runs on managed nodes.

This file is the engine's public face: document(), and every name below from the files that do the work
(each imports only the ones above it):

- cluster_doc_corosync.py: corosync_settings(), the running corosync settings of a parsed cmap (CMAP_PREFIXES);
- cluster_doc_storage.py: storage(), the PostgreSQL and Filesystem resources and what the nodes' facts say of them;
- cluster_doc_model.py: build_model(), the model;
- cluster_doc_map.py: cluster_map() and instance_look(), what both diagrams show;
- cluster_doc_dot.py: render_dot() (dot_string());
- cluster_doc_mermaid.py: render_mermaid() (mermaid_label());
- cluster_doc_markdown.py: render_markdown() (md()), the page, with render_mermaid()'s map in it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_doc_corosync import (
    CMAP_PREFIXES,
    DEFAULT_LMS_WINDOW_MS,
    TOTEM_COUNTS,
    TOTEM_TIMERS,
    corosync_settings,
)
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_doc_dot import (
    DOT_LOOKS,
    DOT_TICKET_LOOKS,
    dot_string,
    render_dot,
)
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_doc_map import (
    STATE_COLORS,
    cluster_map,
    instance_look,
)
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_doc_markdown import (
    md,
    render_markdown,
)
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_doc_mermaid import (
    MERMAID_CLASSES,
    MERMAID_LINK_COLORS,
    mermaid_label,
    render_mermaid,
)
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_doc_model import (
    HISTORY_KEYS,
    SCORE_INFINITY,
    VIP_AGENTS,
    build_model,
)
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_doc_storage import (
    STORAGE_AGENTS,
    storage,
)

__all__ = (
    "CMAP_PREFIXES", "DEFAULT_LMS_WINDOW_MS", "DOT_LOOKS", "DOT_TICKET_LOOKS", "HISTORY_KEYS", "MERMAID_CLASSES",
    "MERMAID_LINK_COLORS", "SCORE_INFINITY", "STATE_COLORS", "STORAGE_AGENTS", "TOTEM_COUNTS", "TOTEM_TIMERS",
    "VIP_AGENTS", "build_model", "cluster_map", "corosync_settings", "document", "dot_string", "instance_look", "md",
    "mermaid_label", "render_dot", "render_markdown", "render_mermaid", "storage",
)


def document(status, config, cmap=None, versions=None, generated_at=None, history=None, cib_root=None, node_facts=None):
    """{model, markdown, dot} for the given inputs (see build_model)."""
    model = build_model(status, config, cmap=cmap, versions=versions, generated_at=generated_at, history=history,
                        cib_root=cib_root, node_facts=node_facts)
    return {"model": model, "markdown": render_markdown(model), "dot": render_dot(model)}
