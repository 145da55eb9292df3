"""Research releases: fixed table specifications (``specs``), pure disclosure control
(``disclosure``) and differential privacy (``privacy``), built by Celery (``services``, ``tasks``),
served as downloads (``downloads``, ``api``, ``views``), and the public priorities page
(``priorities``, ``charts``)."""
