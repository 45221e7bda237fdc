"""tutor-tosca: the Tutor plugin that puts Tosca (the ``tosca-lms`` distribution) into Open edX."""

# Kept equal to tosca-lms's version (setup.cfg): by default the image installs the Tosca release of the same number.
__version__ = "0.1.0.dev0"
