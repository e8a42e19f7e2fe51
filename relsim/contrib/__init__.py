"""relsim's example behaviours (docs/extending.md), each a small module of plain user code.

* :mod:`relsim.contrib.cron` — ``cron-restart``: restart an element on a
  cron schedule (a nightly restart that clears an ageing fault);
* :mod:`relsim.contrib.autoscaler` — ``autoscaler``: start idle instances
  of an active-active service when utilisation is high, after a start-up
  delay, with launches that can fail;
* :mod:`relsim.contrib.queue` — ``consumer-queue``: a queue that fills
  while its consumer is down, drains after, and loses what overflows.

They use only the public API (:func:`relsim.behaviour`,
:func:`relsim.metric`, :class:`relsim.Handle`) and are declared in the
``relsim.behaviours`` entry-point group of relsim's own pyproject.toml,
exactly as a third-party package declares its behaviours: a model file that
names one loads its module on first use. Nothing here imports SimPy.
"""
